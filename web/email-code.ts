import { AuthApiError, AuthenticationClient } from 'auth0/legacy';
import type { Context } from 'hono';
import type { LinkVia } from '../core/link-record.ts';
import {
  CODE_LENGTH_RANGE,
  type CodeRules,
  codeRules,
  MAX_FAILED_ATTEMPTS,
} from '../core/passwordless-codes.ts';
import type { WebConfig } from './config.ts';
import { type EmailCodeStatus, emailCodePage } from './email-code-views.ts';
import { WebError } from './errors.ts';
import { type LinkingDeps, linkAccount } from './link-account.ts';
import type { WebManagementPort } from './management.ts';
import type { IdTokenClaims } from './oidc.ts';
import { epochSeconds } from './reauth.ts';
import type { WebEnv } from './security-headers.ts';

/** Auth0's passwordless email connection, as Auth0 names it (tenant.yaml deploys it). */
export const EMAIL_CONNECTION = 'email';

/** The connection lookup is cached this long: the page is shown far more often than connections change. */
export const EMAIL_CODE_AVAILABILITY_SECONDS = 60;

/** The tenant's passwordless email, driven server-side with the re-authentication client's credentials. */
export interface EmailCodePort {
  /**
   * The code rules of the tenant's `email` connection (its `options.totp`) while it is enabled for the
   * re-authentication client; undefined while no code can be offered.
   */
  rules(): Promise<CodeRules | undefined>;
  /** `POST /passwordless/start` with `send: code` to `email`. */
  send(email: string): Promise<void>;
  /** The passwordless OTP grant; the validated ID token's claims. A wrong code throws `email_code_wrong`. */
  verify(email: string, code: string): Promise<IdTokenClaims>;
}

const TIMEOUT_MS = 10_000;

export function createEmailCodeClient(
  config: WebConfig,
  management: Pick<WebManagementPort, 'findConnection'>,
  now: () => Date = () => new Date(),
): EmailCodePort {
  const auth = new AuthenticationClient({
    domain: config.auth0Domain,
    clientId: config.reauthClient.clientId,
    clientSecret: config.reauthClient.clientSecret,
    timeoutDuration: TIMEOUT_MS,
  });
  return {
    rules: emailCodeRules(config, management, now),
    async send(email) {
      try {
        await auth.passwordless.sendEmail({ email, send: 'code' });
      } catch (cause) {
        throw toEmailCodeError(cause);
      }
    },
    async verify(email, code) {
      try {
        const { data } = await auth.passwordless.loginWithEmail({ email, code, scope: 'openid email' });
        const payload = data.id_token?.split('.')[1];
        if (payload === undefined) throw new WebError('oidc_rejected', 'the tenant returned no ID token');
        // The SDK has validated the ID token (signature, iss, aud, exp) before answering.
        return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as IdTokenClaims;
      } catch (cause) {
        throw toEmailCodeError(cause);
      }
    },
  };
}

/**
 * The `email` connection's code rules while it is enabled for the re-authentication client, from one cached lookup:
 * the connection list it is found in carries its `options`, so the rules cost no request of their own.
 */
export function emailCodeRules(
  config: WebConfig,
  management: Pick<WebManagementPort, 'findConnection'>,
  now: () => Date,
): () => Promise<CodeRules | undefined> {
  return cachedLookup(async () => {
    const connection = await management.findConnection(EMAIL_CONNECTION);
    return connection?.enabledClients.includes(config.reauthClient.clientId)
      ? codeRules(connection)
      : undefined;
  }, now);
}

/** `lookup` answered at most once per EMAIL_CODE_AVAILABILITY_SECONDS; a failed lookup offers no code meanwhile. */
function cachedLookup<T>(
  lookup: () => Promise<T | undefined>,
  now: () => Date,
): () => Promise<T | undefined> {
  let cached: { value: Promise<T | undefined>; until: number } | undefined;
  return () => {
    const at = now().getTime();
    if (cached === undefined || at >= cached.until) {
      cached = { value: lookup().catch(() => undefined), until: at + EMAIL_CODE_AVAILABILITY_SECONDS * 1000 };
    }
    return cached.value;
  };
}

function toEmailCodeError(cause: unknown): WebError {
  if (cause instanceof WebError) return cause;
  if (cause instanceof AuthApiError) {
    if (cause.statusCode === 403 && cause.error === 'invalid_grant') {
      return new WebError('email_code_wrong', 'wrong, expired or spent code', { cause });
    }
    if (cause.statusCode < 500) {
      return new WebError('oidc_rejected', `the tenant refused the email code (${cause.error})`, { cause });
    }
    return new WebError('tenant_error', `the tenant answered ${cause.statusCode}`, { cause });
  }
  return new WebError('tenant_unreachable', 'the tenant could not be reached', { cause });
}

/**
 * A code sent to `email` and not yet accepted: when, how long it lives and how many wrong tries it has had. The
 * lifetime is the connection's when the code was sent, kept in the sealed cookie with it: that is the lifetime the
 * page told the person, a later change of the connection's `time_step` does not reach a code already sent, and a try
 * needs no lookup (a failed one would refuse a good code).
 */
export interface SentCode {
  readonly email: string;
  readonly sentAt: number;
  readonly lifetimeSeconds: number;
  readonly wrongAttempts: number;
}

/**
 * Sends a new code to `email` (the first, or one `replacing` the pending one) and returns it as pending; undefined,
 * sending nothing, when no code may be sent. Its rules are the connection's while it offers codes; while the lookup
 * is out (failed or cached as failed), a code replacing a pending one keeps that one's lifetime, as the page offered
 * "Send a new code". The code is pending in a cookie that lapses `keptSeconds` after its last write: a longer
 * `time_step` could not be used there, so the page neither promises nor allows more. A failed send throws the port's
 * WebError.
 */
export async function sendNewCode(
  port: EmailCodePort,
  email: string,
  replacing: SentCode | undefined,
  now: () => Date,
  keptSeconds: number,
): Promise<SentCode | undefined> {
  const rules = (await port.rules()) ?? replacing;
  if (rules === undefined) return undefined;
  await port.send(email);
  const lifetimeSeconds = Math.min(rules.lifetimeSeconds, keptSeconds);
  return { email, sentAt: epochSeconds(now()), lifetimeSeconds, wrongAttempts: 0 };
}

/** What a typed code came to: the `email|` user it signed in, or a wrong code (`counted` when the tenant refused it). */
export type CodeCheck<T extends SentCode> =
  | { readonly kind: 'proved'; readonly codeUser: string }
  | { readonly kind: 'wrong'; readonly sent: T; readonly counted: boolean };

/**
 * Checks `typed` against the code in `sent`. A code no try can succeed with any more, or that does not look like one,
 * is wrong without asking the tenant; one the tenant refuses spends a try. Other failures throw the port's WebError.
 */
export async function checkEmailCode<T extends SentCode>(
  port: EmailCodePort,
  sent: T,
  typed: unknown,
  now: Date,
): Promise<CodeCheck<T>> {
  const code = typeof typed === 'string' ? typed.trim() : '';
  if (!emailCodeUsable(sent, epochSeconds(now)) || !looksLikeCode(code)) {
    return { kind: 'wrong', sent, counted: false };
  }
  try {
    const claims = await port.verify(sent.email, code);
    requireEmailProof(claims, sent.email);
    return { kind: 'proved', codeUser: claims.sub };
  } catch (error) {
    if (!(error instanceof WebError && error.code === 'email_code_wrong')) throw error;
    return { kind: 'wrong', sent: { ...sent, wrongAttempts: sent.wrongAttempts + 1 }, counted: true };
  }
}

/**
 * A code proves the address only when the tenant's ID token says so for exactly that address: `email` equal to the
 * address the code was sent to (Auth0 stores passwordless emails lower-cased) and `email_verified` the boolean true.
 */
function requireEmailProof(claims: IdTokenClaims, email: string): void {
  if (
    typeof claims.email !== 'string' ||
    claims.email.toLowerCase() !== email.toLowerCase() ||
    claims.email_verified !== true
  ) {
    throw new WebError('email_code_wrong_address', 'the code proved another address');
  }
}

/** The code page of one flow (where its form posts, where Back goes), answering 400 after a wrong code. */
export function emailCodePages(routes: { readonly action: string; readonly back: string }, now: () => Date) {
  return (c: Context<WebEnv>, csrf: string, sent: SentCode, status: EmailCodeStatus): Response => {
    return c.html(
      emailCodePage({
        nonce: c.get('nonce'),
        csrf,
        email: sent.email,
        status: emailCodeStatus(sent, status, epochSeconds(now())),
        ...routes,
        lifetimeSeconds: sent.lifetimeSeconds,
      }),
      status === 'wrong' ? 400 : 200,
    );
  };
}

/** What the code page says after `status`: a wrong code once no try can succeed offers only a new code. */
function emailCodeStatus(sent: SentCode, status: EmailCodeStatus, nowSeconds: number): EmailCodeStatus {
  return status === 'wrong' && !emailCodeUsable(sent, nowSeconds) ? 'spent' : status;
}

/**
 * Whether another try can still succeed: the tenant spends a code when it expires or after too many wrong tries. It
 * answers a wrong, expired or spent code alike, so the page counts both to offer a new code instead of another try.
 */
function emailCodeUsable(sent: SentCode, nowSeconds: number): boolean {
  return sent.wrongAttempts < MAX_FAILED_ATTEMPTS && nowSeconds - sent.sentAt < sent.lifetimeSeconds;
}

/**
 * What a person may type as a code: digits, as many as any `options.totp.length` allows (anything else is wrong
 * without asking the tenant). Not the length in force: a length changed since the cached lookup would refuse every
 * right code.
 */
function looksLikeCode(code: string): boolean {
  return code.length >= CODE_LENGTH_RANGE.min && code.length <= CODE_LENGTH_RANGE.max && /^\d+$/.test(code);
}

/**
 * The OTP grant signs in (creating it the first time) an `email|` user of the proved address. Left alone it would be
 * one more duplicate the Action asks about at the next sign-in, so it joins `primary`, the account that stays the
 * main one, as a sign-in method of the same verified address (docs/consent-email-code.md). A failure only leaves that
 * duplicate: the caller's link goes ahead.
 */
export async function linkEmailCodeUser(
  deps: Omit<LinkingDeps, 'now'>,
  link: { readonly primary: string; readonly codeUser: string; readonly proved: string; readonly at: Date },
  via: LinkVia,
): Promise<void> {
  const { primary, codeUser, proved, at } = link;
  if (!codeUser.startsWith('email|') || codeUser === primary || codeUser === proved) return;
  try {
    await linkAccount(deps.management, deps.planMerge, primary, codeUser, at, { via, reason: 'email_code' });
    deps.log('email_code_user_linked', { via });
  } catch (error) {
    deps.log('email_code_user_not_linked', { via, code: (error as { code?: string }).code ?? 'unknown' });
  }
}
