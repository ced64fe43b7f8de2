import { randomBytes } from 'node:crypto';
import type { Event } from '../../actions/types/post-login.ts';
import { type Expiring, ExpiringMap } from '../bounded-maps.ts';
import type { LoginGrant } from '../oauth/login-grant.ts';
import type { PipelineChanges } from '../pipeline/run-trigger.ts';
import type { ResponseMode, ResponsePart } from './authorize-response.ts';

/**
 * The cookie naming the browser a login transaction belongs to. Auth0 keeps its login state in cookies sent
 * `SameSite=None; Secure` (with `_compat` twins for old browsers), so they reach the tenant on a cross-site form
 * POST to `/continue`: https://auth0.com/docs/manage-users/cookies/authentication-api-cookies. The local tenant
 * uses `did`, Auth0's device-identification cookie, because its `auth0` session cookie changes at every login.
 */
export const BROWSER_COOKIE = 'did';
export const BROWSER_COOKIE_SECONDS = 365 * 24 * 3600;

/**
 * Auth0 ends a redirection-based login flow one hour after `/authorize`, wherever the browser is in it (the login
 * page, or an Action's redirect on its way back to `/continue`); an expired flow gets the same error page as a lost
 * one: https://auth0.com/docs/troubleshoot/product-lifecycle/past-migrations/migrate-to-1-hour-expiration
 */
export const LOGIN_FLOW_LIFETIME_MS = 3600 * 1000;
/**
 * The verification link of a sign-up lives as long as Auth0's email verification tickets do by default, five days
 * (`ttl_sec`: https://auth0.com/docs/api/management/v2/tickets/post-email-verification).
 */
export const VERIFICATION_TICKET_LIFETIME_MS = 432_000 * 1000;

/** One `/authorize` request, from the login page until the code goes back to the application. */
export interface AuthorizeTransaction {
  id: string;
  /** The `did` cookie of the browser that sent `/authorize`: every later step must come from it. */
  browser: string;
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  scope: string;
  audience: string | undefined;
  responseParts: ResponsePart[];
  responseMode: ResponseMode;
  connection: string | undefined;
  loginHint: string | undefined;
  prompt: string[];
  query: Record<string, string>;
  /** The end of the login flow `/authorize` started (`LOGIN_FLOW_LIFETIME_MS`). */
  expiresAt: number;
}

/** A login waiting at `/continue` after an Action redirected the browser. */
export interface SuspendedLogin {
  transaction: AuthorizeTransaction;
  userId: string;
  identity: { provider: string; user_id: string };
  connection: string;
  authTime: number;
  actionIndex: number;
  changes: PipelineChanges;
  /** The user as the redirecting Action saw it: the event's user if an Action linked it away meanwhile. */
  suspendedAs?: Pick<Event, 'user' | 'stats'>;
}

export interface IssuedCode extends LoginGrant {
  redirectUri: string;
  codeChallenge: string | undefined;
  expiresAt: number;
}

/**
 * Short-lived, single-use values: each `take` removes what it returns, so nothing can be replayed, and each lives
 * only as long as Auth0 lets it, so abandoned logins do not pile up in a long-running tenant.
 */
export class LoginState {
  readonly #now: () => number;
  readonly #transactions: ExpiringMap<AuthorizeTransaction>;
  readonly #suspended: ExpiringMap<{ login: SuspendedLogin } & Expiring>;
  readonly #codes: ExpiringMap<IssuedCode>;
  readonly #verificationTickets: ExpiringMap<{ userId: string } & Expiring>;

  constructor(now: () => number) {
    this.#now = now;
    this.#transactions = new ExpiringMap(now);
    this.#suspended = new ExpiringMap(now);
    this.#codes = new ExpiringMap(now);
    this.#verificationTickets = new ExpiringMap(now);
  }

  begin(transaction: Omit<AuthorizeTransaction, 'id' | 'expiresAt'>): AuthorizeTransaction {
    const started = { ...transaction, id: opaque(), expiresAt: this.#now() + LOGIN_FLOW_LIFETIME_MS };
    this.#transactions.set(started.id, started);
    return started;
  }

  /** The transaction, only for the browser that started it. */
  transaction(id: string | undefined, browser: string | undefined): AuthorizeTransaction | undefined {
    const found = this.#transactions.get(id);
    return found !== undefined && found.browser === browser ? found : undefined;
  }

  finish(id: string): void {
    this.#transactions.delete(id);
  }

  /** Parks the login until `/continue`; it expires with its flow. */
  suspend(login: SuspendedLogin): string {
    return issue(this.#suspended, { login, expiresAt: login.transaction.expiresAt });
  }

  /**
   * The suspended login, once, and only for the browser that started it. Another browser's attempt leaves it in
   * place: whoever merely holds the URL can neither resume the login nor cancel it for its owner.
   */
  resume(state: string | undefined, browser: string | undefined): SuspendedLogin | undefined {
    const found = this.#suspended.get(state);
    if (found === undefined || found.login.transaction.browser !== browser) return undefined;
    return this.#suspended.take(state)?.login;
  }

  /** The link of the (simulated) verification email a database sign-up receives. */
  issueVerificationTicket(userId: string): string {
    return issue(this.#verificationTickets, {
      userId,
      expiresAt: this.#now() + VERIFICATION_TICKET_LIFETIME_MS,
    });
  }

  redeemVerificationTicket(ticket: string | undefined): string | undefined {
    return this.#verificationTickets.take(ticket)?.userId;
  }

  issueCode(code: IssuedCode): string {
    return issue(this.#codes, code);
  }

  /** The code, once, until its `expiresAt`. */
  redeemCode(value: string | undefined): IssuedCode | undefined {
    return this.#codes.take(value);
  }
}

/** Keeps `value` under a new opaque key, which it returns. */
function issue<V extends Expiring>(map: ExpiringMap<V>, value: V): string {
  const key = opaque();
  map.set(key, value);
  return key;
}

export function opaque(): string {
  return randomBytes(24).toString('base64url');
}
