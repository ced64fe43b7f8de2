import { compactVerify, createLocalJWKSet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { SigningKey } from './keys.ts';

export interface SignOptions {
  audience: string | string[];
  subject: string;
  expiresInSeconds: number;
  /** Seconds since the epoch; defaults to the service clock. */
  issuedAt?: number;
}

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  scope?: string;
  azp?: string;
  gty?: string;
}

/** Signs and verifies the tenant's RS256 JWTs (Management access tokens here, ID tokens for the login side). */
export class TokenService {
  readonly issuer: string;
  readonly key: SigningKey;
  readonly #now: () => number;
  readonly #jwks: ReturnType<typeof createLocalJWKSet>;

  constructor(options: { issuer: string; key: SigningKey; now: () => number }) {
    this.issuer = options.issuer;
    this.key = options.key;
    this.#now = options.now;
    this.#jwks = createLocalJWKSet({ keys: [options.key.publicJwk] });
  }

  jwks(): { keys: SigningKey['publicJwk'][] } {
    return { keys: [this.key.publicJwk] };
  }

  nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  async sign(claims: JWTPayload, options: SignOptions): Promise<string> {
    const iat = options.issuedAt ?? this.nowSeconds();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.key.kid })
      .setIssuer(this.issuer)
      .setSubject(options.subject)
      .setAudience(options.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + options.expiresInSeconds)
      .sign(this.key.privateKey);
  }

  /** Verifies signature, `iss`, `aud` and `exp` against the service clock; throws jose's typed errors. */
  async verify(token: string, audience: string): Promise<AccessTokenClaims> {
    const { payload } = await jwtVerify(token, this.#jwks, {
      issuer: this.issuer,
      audience,
      algorithms: ['RS256'],
      currentDate: new Date(this.#now()),
    });
    if (typeof payload.sub !== 'string') throw new TypeError('token has no "sub" claim');
    return payload as AccessTokenClaims;
  }

  /**
   * Verifies an `id_token_hint`: signature and `iss` only. The hint names a session and may have expired
   * (OpenID Connect RP-Initiated Logout 1.0, section 2); its audience is checked by the caller.
   */
  async verifyHint(token: string): Promise<JWTPayload> {
    const { payload } = await compactVerify(token, this.#jwks, { algorithms: ['RS256'] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
    if (claims.iss !== this.issuer) throw new TypeError('the token was issued by another tenant');
    return claims;
  }
}
