import * as client from 'openid-client';
import type { ClientCredentials, WebConfig } from './config.ts';
import { OidcError } from './errors.ts';
import { failureOfStatus } from './management.ts';

export type OidcClientName = 'web' | 'reauth';

export interface AuthorizationRequest {
  readonly client: OidcClientName;
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly params?: Readonly<Record<string, string>>;
}

export interface CodeExchange {
  readonly client: OidcClientName;
  /** The callback URL as registered (WEB_URL + path) plus the query the tenant sent. */
  readonly callbackUrl: URL;
  readonly expectedState: string;
  readonly expectedNonce: string;
  readonly codeVerifier: string;
}

export interface IdTokenClaims {
  readonly sub: string;
  readonly auth_time?: number;
  readonly email?: string;
  readonly name?: string;
  readonly [claim: string]: unknown;
}

/** The OpenID Connect relying-party operations the web app needs from the tenant. */
export interface OidcPort {
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /** Exchanges the code and returns the validated ID token claims (signature, iss, aud, nonce, exp). */
  exchangeCode(exchange: CodeExchange): Promise<IdTokenClaims>;
}

const OIDC_TIMEOUT_SECONDS = 10;

export function createOidcClient(config: WebConfig): OidcPort {
  const discovered = new Map<OidcClientName, Promise<client.Configuration>>();
  const credentials: Record<OidcClientName, ClientCredentials> = {
    web: config.webClient,
    reauth: config.reauthClient,
  };

  function configuration(name: OidcClientName): Promise<client.Configuration> {
    let pending = discovered.get(name);
    if (pending === undefined) {
      const { clientId, clientSecret } = credentials[name];
      pending = client
        .discovery(new URL(`${config.tenantOrigin}/`), clientId, clientSecret, undefined, {
          timeout: OIDC_TIMEOUT_SECONDS,
        })
        .catch((cause: unknown) => {
          discovered.delete(name);
          throw toOidcError(cause);
        });
      discovered.set(name, pending);
    }
    return pending;
  }

  return {
    async authorizationUrl(request) {
      const oidc = await configuration(request.client);
      return client.buildAuthorizationUrl(oidc, {
        ...request.params,
        redirect_uri: request.redirectUri,
        response_type: 'code',
        scope: 'openid profile email',
        state: request.state,
        nonce: request.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(request.codeVerifier),
        code_challenge_method: 'S256',
      });
    },
    async exchangeCode(exchange) {
      const oidc = await configuration(exchange.client);
      try {
        const tokens = await client.authorizationCodeGrant(oidc, exchange.callbackUrl, {
          pkceCodeVerifier: exchange.codeVerifier,
          expectedState: exchange.expectedState,
          expectedNonce: exchange.expectedNonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (claims === undefined) throw new OidcError('oidc_rejected', 'the tenant returned no ID token');
        return claims as IdTokenClaims;
      } catch (cause) {
        throw toOidcError(cause);
      }
    },
  };
}

// Auth0's logout endpoint; discovery only advertises end_session_endpoint when RP-initiated
// logout is enabled on the tenant, while /v2/logout always exists.
export function logoutUrl(config: WebConfig, returnTo: string): URL {
  const url = new URL('/v2/logout', config.tenantOrigin);
  url.searchParams.set('client_id', config.webClient.clientId);
  url.searchParams.set('returnTo', returnTo);
  return url;
}

/** A started sign-in: where to send the browser, and what its callback checks. */
export interface StartedAuthorization {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/**
 * Starts a sign-in at the tenant: fresh `state`, `nonce` and PKCE verifier, which the caller keeps for the callback,
 * and the authorization URL to send the browser to.
 */
export async function startAuthorization(
  oidc: OidcPort,
  request: Omit<AuthorizationRequest, 'state' | 'nonce' | 'codeVerifier'>,
): Promise<StartedAuthorization> {
  const values = randomOidcValues();
  return { ...values, url: await oidc.authorizationUrl({ ...request, ...values }) };
}

/**
 * Ends a sign-in `startAuthorization` began, at the callback the tenant sent the browser to: the registered
 * `WEB_URL` + `path` with the request's query. Returns the validated ID token's claims.
 */
export function finishAuthorization(
  oidc: OidcPort,
  client: OidcClientName,
  callback: { webUrl: string; path: string; requestUrl: string },
  started: Pick<StartedAuthorization, 'state' | 'nonce' | 'codeVerifier'>,
): Promise<IdTokenClaims> {
  const callbackUrl = new URL(`${callback.webUrl}${callback.path}`);
  callbackUrl.search = new URL(callback.requestUrl).search;
  return oidc.exchangeCode({
    client,
    callbackUrl,
    expectedState: started.state,
    expectedNonce: started.nonce,
    codeVerifier: started.codeVerifier,
  });
}

export function randomOidcValues(): { state: string; nonce: string; codeVerifier: string } {
  return {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
  };
}

export function toOidcError(cause: unknown): OidcError {
  if (cause instanceof OidcError) return cause;
  if (cause instanceof client.AuthorizationResponseError) {
    return new OidcError('oidc_rejected', `the tenant refused the sign-in (${cause.error})`, { cause });
  }
  if (cause instanceof client.ResponseBodyError) {
    if (failureOfStatus(cause.status) === 'server_error') {
      return new OidcError('tenant_error', `the tenant answered ${cause.status}`, { cause });
    }
    return new OidcError('oidc_rejected', `the tenant refused the code exchange (${cause.error})`, { cause });
  }
  if (cause instanceof client.ClientError) {
    if (cause.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
      return new OidcError('tenant_error', 'the tenant answered with an unexpected status', { cause });
    }
    return new OidcError(
      'oidc_rejected',
      `the sign-in response failed validation (${cause.code ?? 'unknown'})`,
      {
        cause,
      },
    );
  }
  return new OidcError('tenant_unreachable', 'the tenant could not be reached', { cause });
}
