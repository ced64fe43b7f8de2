import { randomBytes } from 'node:crypto';
import type { LoginGrant } from '../oauth/login-tokens.ts';
import type { PipelineChanges } from '../pipeline/run-trigger.ts';
import type { ResponseMode, ResponsePart } from './authorize-response.ts';

/** One `/authorize` request, from the login page until the code goes back to the application. */
export interface AuthorizeTransaction {
  id: string;
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

  transaction(id: string | undefined): AuthorizeTransaction | undefined {
    return id === undefined ? undefined : this.#transactions.get(id);
  }

  finish(id: string): void {
    this.#transactions.delete(id);
  }

  suspend(login: SuspendedLogin): string {
    const state = opaque();
    this.#suspended.set(state, login);
    return state;
  }

  resume(state: string | undefined): SuspendedLogin | undefined {
    return take(this.#suspended, state);
  }

  /** The link of the (simulated) verification email a database sign-up receives. */
  issueVerificationTicket(userId: string): string {
    const ticket = opaque();
    this.#verificationTickets.set(ticket, userId);
    return ticket;
  }

  redeemVerificationTicket(ticket: string | undefined): string | undefined {
    return take(this.#verificationTickets, ticket);
  }

  issueCode(code: IssuedCode): string {
    const value = opaque();
    this.#codes.set(value, code);
    return value;
  }

  redeemCode(value: string | undefined): IssuedCode | undefined {
    return take(this.#codes, value);
  }
}

function take<T>(map: Map<string, T>, key: string | undefined): T | undefined {
  if (key === undefined) return undefined;
  const value = map.get(key);
  map.delete(key);
  return value;
}

function opaque(): string {
  return randomBytes(24).toString('base64url');
}
