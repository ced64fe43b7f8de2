import { randomBytes } from 'node:crypto';
import type { RefreshToken } from '../../actions/types/post-login.ts';
import { dropOldest } from '../bounded-maps.ts';
import type { ClientRecord } from '../store.ts';
import type { LoginGrant } from './login-grant.ts';

/** A client's `refresh_token` settings, read with Auth0's defaults for a client created without them. */
export interface RefreshPolicy {
  rotating: boolean;
  /** Seconds a rotated token may still be exchanged (Auth0's "Rotation Overlap Period", `leeway`). */
  leewaySeconds: number;
  /** Seconds a family lives from the login, whatever its use (`token_lifetime`); undefined: no limit. */
  absoluteSeconds: number | undefined;
  /** Seconds a token lives unused (`idle_token_lifetime`); undefined: no limit. */
  idleSeconds: number | undefined;
}

const DEFAULT_ABSOLUTE_SECONDS = 2_592_000;
const DEFAULT_IDLE_SECONDS = 1_296_000;
/**
 * Auth0 keeps at most 200 active refresh tokens per user and application: a new one revokes the oldest, and expired
 * or revoked tokens do not count (https://auth0.com/docs/secure/tokens/refresh-tokens, "Limitations"). A family
 * has one active token, so the local tenant counts families.
 */
export const MAX_ACTIVE_PER_USER_AND_CLIENT = 200;

/**
 * The client's rotation and expiry (auth0.com/docs/secure/tokens/refresh-tokens/configure-refresh-token-rotation and
 * .../configure-refresh-token-expiration): lifetimes apply only to `expiration_type: 'expiring'`, and each can be
 * lifted with `infinite_token_lifetime` / `infinite_idle_token_lifetime`.
 */
export function refreshPolicyOf(client: ClientRecord): RefreshPolicy {
  const settings = (client.refresh_token ?? {}) as Record<string, unknown>;
  const expiring = settings.expiration_type === 'expiring';
  const seconds = (value: unknown, fallback: number) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
  return {
    rotating: settings.rotation_type === 'rotating',
    leewaySeconds: seconds(settings.leeway, 0),
    absoluteSeconds:
      expiring && settings.infinite_token_lifetime === false
        ? seconds(settings.token_lifetime, DEFAULT_ABSOLUTE_SECONDS)
        : undefined,
    idleSeconds:
      expiring && settings.infinite_idle_token_lifetime === false
        ? seconds(settings.idle_token_lifetime, DEFAULT_IDLE_SECONDS)
        : undefined,
  };
}

/** Where a family's tokens were issued and last exchanged from (`event.refresh_token.device`). */
export interface RefreshClient {
  ip: string;
  userAgent: string | undefined;
}

interface Family {
  /** The id Auth0 shows for a refresh token (`event.refresh_token.id`): one per login, kept through rotation. */
  id: string;
  grant: LoginGrant;
  createdAt: number;
  expiresAt: number | undefined;
  initial: RefreshClient;
  last: RefreshClient;
  tokens: Set<string>;
}

interface StoredToken {
  family: Family;
  idleExpiresAt: number | undefined;
  /** When it was exchanged for its successor (rotation); a later use past the leeway is a reuse. */
  rotatedAt: number | undefined;
}

export type RefreshUse = { grant: LoginGrant; next: string | undefined };

/**
 * The tenant's refresh tokens, in memory. Every token of one login belongs to a family: rotation adds to it, and a
 * reused rotated token, a revocation or the end of the login's session removes all of it
 * (auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation, "Automatic reuse detection").
 */
export class RefreshTokens {
  readonly #tokens = new Map<string, StoredToken>();
  /** Each user's families in each application, oldest first. */
  readonly #families = new Map<string, Map<string, Family>>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** A new family for the login; the user's expired families in the application go, and those past the limit. */
  issue(grant: LoginGrant, policy: RefreshPolicy, from: RefreshClient): string {
    const now = this.#now();
    const expiresAt = policy.absoluteSeconds === undefined ? undefined : now + policy.absoluteSeconds * 1000;
    const id = randomBytes(16).toString('hex');
    const family = {
      id,
      grant,
      createdAt: now,
      expiresAt,
      initial: from,
      last: from,
      tokens: new Set<string>(),
    };
    for (const earlier of this.#families.get(ownerOf(grant))?.values() ?? []) {
      if (this.#expired(earlier, now)) this.#drop(earlier);
    }
    const owned = this.#families.get(ownerOf(grant)) ?? new Map<string, Family>();
    this.#families.set(ownerOf(grant), owned.set(id, family));
    for (const oldest of dropOldest(owned, MAX_ACTIVE_PER_USER_AND_CLIENT)) this.#drop(oldest);
    return this.#add(family, policy);
  }

  /**
   * The grant of `value` if `clientId` may exchange it now, leaving it unused (the post-login Actions run before the
   * exchange, and may refuse it). A reused rotated token revokes its family here too.
   */
  peek(
    value: string,
    clientId: string,
    policy: RefreshPolicy,
  ): { grant: LoginGrant; token: RefreshToken } | undefined {
    const token = this.#usable(value, clientId, policy);
    return token === undefined ? undefined : { grant: token.family.grant, token: describe(token) };
  }

  /**
   * Exchanges `value` for `clientId`: the grant to issue tokens for, and the successor when the client rotates.
   * Undefined when the token is unknown, another client's, expired, revoked, or a reused rotated one (which revokes
   * its whole family).
   */
  use(value: string, clientId: string, policy: RefreshPolicy, from: RefreshClient): RefreshUse | undefined {
    const token = this.#usable(value, clientId, policy);
    if (token === undefined) return undefined;
    const { family } = token;
    family.last = from;
    const now = this.#now();
    if (!policy.rotating) {
      token.idleExpiresAt = idleExpiry(now, policy);
      return { grant: family.grant, next: undefined };
    }
    token.rotatedAt ??= now;
    return { grant: family.grant, next: this.#add(family, policy) };
  }

  #usable(value: string, clientId: string, policy: RefreshPolicy): StoredToken | undefined {
    const token = this.#tokens.get(value);
    const now = this.#now();
    if (token === undefined || token.family.grant.clientId !== clientId) return undefined;
    const expired =
      (token.family.expiresAt !== undefined && token.family.expiresAt <= now) ||
      (token.idleExpiresAt !== undefined && token.idleExpiresAt <= now);
    const reused = token.rotatedAt !== undefined && now - token.rotatedAt > policy.leewaySeconds * 1000;
    if (expired || reused) {
      this.#drop(token.family);
      return undefined;
    }
    return token;
  }

  /** Revokes the family of `value` when it is `clientId`'s (RFC 7009: an unknown token is no error). */
  revoke(value: string, clientId: string): void {
    const token = this.#tokens.get(value);
    if (token !== undefined && token.family.grant.clientId === clientId) this.#drop(token.family);
  }

  /** Revokes every family whose grant matches: the user's tokens, or one session's. */
  revokeWhere(matches: (grant: LoginGrant) => boolean): void {
    for (const token of [...this.#tokens.values()]) if (matches(token.family.grant)) this.#drop(token.family);
  }

  #add(family: Family, policy: RefreshPolicy): string {
    const value = `v1.${randomBytes(48).toString('base64url')}`;
    family.tokens.add(value);
    this.#tokens.set(value, { family, idleExpiresAt: idleExpiry(this.#now(), policy), rotatedAt: undefined });
    return value;
  }

  /** Past the family's lifetime, or every token of it unused past its idle lifetime. */
  #expired(family: Family, now: number): boolean {
    if (family.expiresAt !== undefined && family.expiresAt <= now) return true;
    return [...family.tokens].every((value) => {
      const idleExpiresAt = this.#tokens.get(value)?.idleExpiresAt;
      return idleExpiresAt !== undefined && idleExpiresAt <= now;
    });
  }

  #drop(family: Family): void {
    for (const value of family.tokens) this.#tokens.delete(value);
    family.tokens.clear();
    const owned = this.#families.get(ownerOf(family.grant));
    owned?.delete(family.id);
    if (owned?.size === 0) this.#families.delete(ownerOf(family.grant));
  }
}

function ownerOf(grant: LoginGrant): string {
  return `${grant.userId}\n${grant.clientId}`;
}

/**
 * The token as the post-login event shows it on a refresh exchange
 * (https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object:
 * `event.refresh_token`): ids, dates and the first and last addresses that used it (no ASN here).
 */
function describe(token: StoredToken): RefreshToken {
  const { family } = token;
  const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());
  const expires = iso(family.expiresAt);
  const idle = iso(token.idleExpiresAt);
  return {
    id: family.id,
    client_id: family.grant.clientId,
    created_at: new Date(family.createdAt).toISOString(),
    ...(expires === undefined ? {} : { expires_at: expires }),
    ...(idle === undefined ? {} : { idle_expires_at: idle }),
    session_id: family.grant.sid,
    device: {
      initial_ip: family.initial.ip,
      last_ip: family.last.ip,
      ...(family.initial.userAgent === undefined ? {} : { initial_user_agent: family.initial.userAgent }),
      ...(family.last.userAgent === undefined ? {} : { last_user_agent: family.last.userAgent }),
    },
  };
}

function idleExpiry(now: number, policy: RefreshPolicy): number | undefined {
  return policy.idleSeconds === undefined ? undefined : now + policy.idleSeconds * 1000;
}
