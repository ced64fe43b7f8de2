import { randomBytes } from 'node:crypto';

/** Auth0's session cookie is `auth0` (with `auth0_compat` for old browsers); the local tenant sets only the first. */
export const SSO_COOKIE = 'auth0';
/** Auth0's default inactivity timeout for a tenant session: 3 days. */
export const SSO_IDLE_SECONDS = 3 * 24 * 3600;

/** Who a browser's tenant session belongs to: the identity that authenticated, and when. */
export interface SsoSession {
  provider: string;
  providerUserId: string;
  connection: string;
  /** Seconds since the epoch of the last real authentication (the ID token's `auth_time`). */
  authTime: number;
  expiresAt: number;
}

export interface SsoRequest {
  prompt: readonly string[];
  maxAge: number | undefined;
  connection: string | undefined;
}

/**
 * The tenant's SSO sessions. A session names the identity rather than the user: once that identity is linked
 * into another account, the next silent login finds the primary that now holds it, as Auth0 does.
 */
export class SsoSessions {
  readonly #sessions = new Map<string, SsoSession>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Starts a session, replacing the one the browser had (a login as someone else ends the old session). */
  start(previous: string | undefined, session: Omit<SsoSession, 'expiresAt'>): string {
    if (previous !== undefined) this.#sessions.delete(previous);
    this.#sweep();
    const id = randomBytes(24).toString('base64url');
    this.#sessions.set(id, { ...session, expiresAt: this.#now() + SSO_IDLE_SECONDS * 1000 });
    return id;
  }

  get(id: string | undefined): SsoSession | undefined {
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (session === undefined || id === undefined) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** Sessions held in memory, expired ones included until the next sweep. */
  get size(): number {
    return this.#sessions.size;
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }

  /** Browsers that never come back leave sessions behind; a long-running tenant drops them as they expire. */
  #sweep(): void {
    const now = this.#now();
    // Every session lives the same time from its start, so insertion order is expiry order.
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt > now) return;
      this.#sessions.delete(id);
    }
  }
}

/**
 * Whether `/authorize` may skip the login page: `prompt=login` and an exceeded `max_age` force a new
 * authentication (`max_age=0` always does), and a request for another connection needs that connection's login.
 */
export function sessionSatisfies(session: SsoSession, request: SsoRequest, nowSeconds: number): boolean {
  if (request.prompt.includes('login')) return false;
  if (request.maxAge !== undefined && nowSeconds - session.authTime > request.maxAge) return false;
  if (request.maxAge === 0) return false;
  return request.connection === undefined || request.connection === session.connection;
}

/** `max_age` as Auth0 reads it: a non-negative integer number of seconds, anything else is an error. */
export function parseMaxAge(value: string | undefined): number | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  return /^\d{1,10}$/.test(value) ? Number(value) : 'invalid';
}
