import { compactDecrypt, decodeJwt } from 'jose';
import { vi } from 'vitest';
import { onContinuePostLogin, onExecutePostLogin } from '../../../actions/account-linking/index.ts';
import type { Event } from '../../../actions/types/post-login.ts';
import { browserBinding, deriveKey } from '../../../core/link-request.ts';
import { createPostLoginApi } from '../../../emulator/actions-runtime/api.ts';
import { ActionCache } from '../../../emulator/actions-runtime/cache.ts';
import { signHs256 } from '../../../emulator/actions-runtime/redirect-token.ts';
import { InProcessTenant } from '../../support/in-process-tenant.ts';
import { makePostLoginEvent, type PostLoginEventOverrides } from '../../support/post-login-event.ts';
import { makeUser } from '../../support/users.ts';

export const SESSION_TOKEN_SECRET = 'a-session-token-secret-of-32-chars!!';
export const OLD = '2020-01-01T00:00:00.000Z';
export const NEW = '2025-06-01T00:00:00.000Z';

/** A Google login whose email matches an older password account (`tenantWithPasswordUser`). */
export const googleUser = {
  user_id: 'google-oauth2|1001',
  email: 'alice@example.com',
  email_verified: true,
  created_at: NEW,
};

export function tenantWithPasswordUser(metadata: Record<string, unknown> = {}): InProcessTenant {
  return new InProcessTenant().seed(
    makeUser('auth0|old', { created_at: OLD, user_metadata: { theme: 'dark' } }),
    makeUser('google-oauth2|1001', { created_at: NEW, user_metadata: { ...metadata } }),
  );
}
export const CONSENT_URL = 'https://link.example.com/consent';

export function secrets(fake: InProcessTenant, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AUTH0_DOMAIN: fake.domain,
    AUTH0_CLIENT_ID: 'action-client',
    AUTH0_CLIENT_SECRET: 'action-client-secret',
    CONSENT_URL,
    SESSION_TOKEN_SECRET,
    AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication,google-oauth2',
    ...extra,
  };
}

export interface RunResult {
  event: Event;
  outcome: ReturnType<typeof createPostLoginApi>['outcome'];
  decisions: Record<string, unknown>[];
  /** Every line written to console.log, console.warn and console.error. */
  logs: string[];
}

async function run(
  handler: typeof onExecutePostLogin,
  fake: InProcessTenant,
  overrides: PostLoginEventOverrides,
  cache: ActionCache,
  phase: 'execute' | 'continue',
): Promise<RunResult> {
  vi.stubGlobal('fetch', fake.fetch);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const event = makePostLoginEvent(overrides);
    const { api, outcome } = createPostLoginApi({ event, cache, phase });
    await handler(event, api);
    const decisions = log.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.startsWith('account-linking '))
      .map((line) => JSON.parse(line.slice('account-linking '.length)) as Record<string, unknown>);
    const logs = [log, warn, error].flatMap((spy) =>
      spy.mock.calls.map((args) => args.map(String).join(' ')),
    );
    return { event, outcome, decisions, logs };
  } finally {
    log.mockRestore();
    warn.mockRestore();
    error.mockRestore();
    vi.unstubAllGlobals();
  }
}

export function login(fake: InProcessTenant, overrides: PostLoginEventOverrides, cache = new ActionCache()) {
  return run(onExecutePostLogin, fake, overrides, cache, 'execute');
}

export function resume(fake: InProcessTenant, overrides: PostLoginEventOverrides, cache = new ActionCache()) {
  return run(onContinuePostLogin, fake, overrides, cache, 'continue');
}

/** The state of the login `continueWith` resumes, and that `linkProof` answers by default. */
const RESUME_STATE = 'resume-state';

/** Alice's Google login on `tenantWithPasswordUser()`, with `settings` on top of the default secrets. */
export async function googleLogin(
  settings: Record<string, string> = {},
  overrides: PostLoginEventOverrides = {},
) {
  const fake = tenantWithPasswordUser();
  const result = await login(fake, { user: googleUser, ...overrides, secrets: secrets(fake, settings) });
  return { fake, ...result };
}

export interface ContinueOptions {
  /** Action settings on top of the default secrets. */
  settings?: Record<string, string>;
  state?: string;
  user?: PostLoginEventOverrides['user'];
  /** Where the answer came from: the login's own browser unless an IP or user agent is given. */
  browser?: { ip?: string; user_agent?: string };
}

/** The Google login coming back to /continue with `sessionToken` in the body (none: no session_token). */
export function continueWith(
  fake: InProcessTenant,
  sessionToken: string | undefined,
  { settings = {}, state = RESUME_STATE, user = googleUser, browser = {} }: ContinueOptions = {},
) {
  return resume(fake, {
    user,
    request: {
      body: { state, ...(sessionToken === undefined ? {} : { session_token: sessionToken }) },
      ...browser,
    },
    secrets: secrets(fake, settings),
  });
}

/** The binding of the browser the default event's login came from (its user agent and IP). */
export function defaultBrowserBinding(secret = SESSION_TOKEN_SECRET): string {
  const { request } = makePostLoginEvent();
  return browserBinding(secret, { userAgent: request.user_agent, ip: request.ip });
}

/**
 * The return token the consent page signs, as the web app does, answered in the login's own browser for the Google
 * login `continueWith` resumes (its `sub` and `state`) unless `claims` say otherwise.
 */
export function linkProof(claims: Record<string, unknown>, secret = SESSION_TOKEN_SECRET): string {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256(
    {
      iss: 'acme.eu.auth0.com',
      sub: googleUser.user_id,
      state: RESUME_STATE,
      iat,
      exp: iat + 120,
      purpose: 'link-proof',
      browser: defaultBrowserBinding(secret),
      ...claims,
    },
    secret,
  );
}

/** The claims of the sealed link request in a consent URL, opened with the shared secret as the web app does. */
export async function linkRequestClaims(consentUrl: string): Promise<Record<string, unknown>> {
  const token = new URL(consentUrl).searchParams.get('session_token') ?? '';
  const key = deriveKey(SESSION_TOKEN_SECRET, 'link-request-encryption');
  const { plaintext } = await compactDecrypt(token, key);
  return decodeJwt(new TextDecoder().decode(plaintext));
}
