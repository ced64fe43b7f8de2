import { randomBytes } from 'node:crypto';
import type { Event } from '../../actions/types/post-login.ts';
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

/** Short-lived, single-use values: each `take` removes what it returns, so nothing can be replayed. */
export class LoginState {
  readonly #transactions = new Map<string, AuthorizeTransaction>();
  readonly #suspended = new Map<string, SuspendedLogin>();
  readonly #codes = new Map<string, IssuedCode>();
  readonly #verificationTickets = new Map<string, string>();

  begin(transaction: Omit<AuthorizeTransaction, 'id'>): AuthorizeTransaction {
    const started = { ...transaction, id: opaque() };
    this.#transactions.set(started.id, started);
    return started;
  }

  /** The transaction, only for the browser that started it. */
  transaction(id: string | undefined, browser: string | undefined): AuthorizeTransaction | undefined {
    const found = id === undefined ? undefined : this.#transactions.get(id);
    return found !== undefined && found.browser === browser ? found : undefined;
  }

  finish(id: string): void {
    this.#transactions.delete(id);
  }

  suspend(login: SuspendedLogin): string {
    return issue(this.#suspended, login);
  }

  /**
   * The suspended login, once, and only for the browser that started it. Another browser's attempt leaves it in
   * place: whoever merely holds the URL can neither resume the login nor cancel it for its owner.
   */
  resume(state: string | undefined, browser: string | undefined): SuspendedLogin | undefined {
    const found = state === undefined ? undefined : this.#suspended.get(state);
    if (found === undefined || found.transaction.browser !== browser) return undefined;
    return take(this.#suspended, state);
  }

  /** The link of the (simulated) verification email a database sign-up receives. */
  issueVerificationTicket(userId: string): string {
    return issue(this.#verificationTickets, userId);
  }

  redeemVerificationTicket(ticket: string | undefined): string | undefined {
    return take(this.#verificationTickets, ticket);
  }

  issueCode(code: IssuedCode): string {
    return issue(this.#codes, code);
  }

  redeemCode(value: string | undefined): IssuedCode | undefined {
    return take(this.#codes, value);
  }
}

/** Keeps `value` under a new opaque key, which it returns. */
function issue<T>(map: Map<string, T>, value: T): string {
  const key = opaque();
  map.set(key, value);
  return key;
}

function take<T>(map: Map<string, T>, key: string | undefined): T | undefined {
  if (key === undefined) return undefined;
  const value = map.get(key);
  map.delete(key);
  return value;
}

export function opaque(): string {
  return randomBytes(24).toString('base64url');
}
