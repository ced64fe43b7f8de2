import { randomBytes } from 'node:crypto';
import { ExpiringMap } from '../bounded-maps.ts';

/** Auth0's session cookie is `auth0` (with `auth0_compat` for old browsers); the local tenant sets only the first. */
export const SSO_COOKIE = 'auth0';
/**
 * How long a tenant session lives, from the tenant settings in hours (`idle_session_lifetime`, default 72;
 * `session_lifetime`, default 168): each login through the session (SSO, silent authentication, `/authorize`) resets
 * the idle timer, and the absolute one runs from the session's first login whatever the activity
 * (https://auth0.com/docs/manage-users/sessions/session-lifecycle,
 * https://auth0.com/docs/manage-users/sessions/configure-session-lifetime-settings).
 */
export interface SessionLifetimes {
  idleSeconds: number;
  absoluteSeconds: number;
}

export const DEFAULT_SESSION_HOURS = Object.freeze({ idle_session_lifetime: 72, session_lifetime: 168 });

/** The lifetimes a tenant's settings give; a missing or non-positive value keeps Auth0's default. */
export function sessionLifetimes(settings: Readonly<Record<string, unknown>>): SessionLifetimes {
  const hours = (name: keyof typeof DEFAULT_SESSION_HOURS): number => {
    const value = settings[name];
    return typeof value === 'number' && value > 0 ? value : DEFAULT_SESSION_HOURS[name];
  };
  return {
    idleSeconds: hours('idle_session_lifetime') * 3600,
    absoluteSeconds: hours('session_lifetime') * 3600,
  };
}

/** Who a browser's tenant session belongs to: the identity that authenticated, and when. */
export interface SsoSession {
  /** The `sid` claim of the session's ID tokens: public, unlike the cookie value that opens the session. */
  sid: string;
  provider: string;
  providerUserId: string;
  connection: string;
  /** Seconds since the epoch of the last real authentication (the ID token's `auth_time`). */
  authTime: number;
  /** Milliseconds, tenant time: the session's first login, from which its absolute lifetime runs. */
  startedAt: number;
  expiresAt: number;
  /** Applications that received tokens in this session, each with the `sub` it was given (back-channel logout). */
  clients: Map<string, string>;
  /** The one-time value of the logout confirmation page last shown for this session. */
  logoutConfirmation?: string;
}

export type SsoLogin = Omit<SsoSession, 'sid' | 'startedAt' | 'expiresAt' | 'clients' | 'logoutConfirmation'>;

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
  readonly #sessions: ExpiringMap<SsoSession>;
  readonly #now: () => number;
  readonly #lifetimes: () => SessionLifetimes;

  /** `lifetimes` is read at each login, so a change of the tenant settings applies to the next one. */
  constructor(now: () => number, lifetimes: () => SessionLifetimes) {
    this.#now = now;
    this.#lifetimes = lifetimes;
    this.#sessions = new ExpiringMap(now);
  }

  /**
   * Records a login in the browser's session: a new login of the same identity keeps the session (and its `sid`,
   * so every application in it is logged out together); a login as someone else replaces it. Browsers that never
   * come back leave sessions behind: each login drops the expired ones.
   */
  start(previous: string | undefined, login: SsoLogin): string {
    const current = this.get(previous);
    if (previous !== undefined && current !== undefined && sameIdentity(current, login)) {
      this.#sessions.set(
        previous,
        Object.assign(current, login, { expiresAt: this.#expiry(current.startedAt) }),
      );
      return previous;
    }
    if (previous !== undefined) this.#sessions.delete(previous);
    const id = randomBytes(24).toString('base64url');
    const startedAt = this.#now();
    this.#sessions.set(id, {
      ...login,
      sid: randomBytes(16).toString('base64url'),
      startedAt,
      expiresAt: this.#expiry(startedAt),
      clients: new Map(),
    });
    return id;
  }

  /** Seconds the browser should keep the cookie of session `id`: until the session can no longer be used. */
  cookieSeconds(id: string): number {
    const session = this.#sessions.get(id);
    return session === undefined ? 0 : Math.max(0, Math.ceil((session.expiresAt - this.#now()) / 1000));
  }

  #expiry(startedAt: number): number {
    const { idleSeconds, absoluteSeconds } = this.#lifetimes();
    return Math.min(this.#now() + idleSeconds * 1000, startedAt + absoluteSeconds * 1000);
  }

  /** Notes that `clientId` received tokens for `sub` in the session; returns the session's `sid`. */
  addClient(id: string, clientId: string, sub: string): string {
    const session = this.#sessions.get(id);
    if (session === undefined) throw new Error('the SSO session ended while it was being used');
    session.clients.set(clientId, sub);
    return session.sid;
  }

  get(id: string | undefined): SsoSession | undefined {
    return this.#sessions.get(id);
  }

  /** Sessions held in memory, expired ones included until the next login drops them. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Ends the session; returns it (for back-channel logout) when it was still live. */
  end(id: string | undefined): SsoSession | undefined {
    return this.#sessions.take(id);
  }
}

function sameIdentity(session: SsoSession, login: SsoLogin): boolean {
  return session.provider === login.provider && session.providerUserId === login.providerUserId;
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
