import { rateLimitWait } from '../../core/rate-limit.ts';
import type { UnlinkPort } from '../../core/unlink.ts';
import {
  holdsIdentityRef,
  type IdentityRef,
  type ManagementUser,
  type Metadata,
  splitUserId,
} from '../../core/users.ts';
import { ManagementError } from './errors.ts';

/** Also an `UnlinkPort`: "This wasn't me" on the notice page runs core/unlink.ts through it. */
export interface ManagementPort extends UnlinkPort {
  usersByEmail(email: string): Promise<ManagementUser[]>;
  getUser(userId: string): Promise<ManagementUser | undefined>;
  patchUser(userId: string, patch: { user_metadata?: Metadata; app_metadata?: Metadata }): Promise<void>;
  /**
   * Resolves `already-linked` when a concurrent login linked the same identity first. `beforeAttempt` runs before
   * every attempt, retries included, and stops the link by throwing.
   */
  linkIdentity(
    primaryId: string,
    secondaryId: string,
    beforeAttempt?: () => Promise<void>,
  ): Promise<'linked' | 'already-linked'>;
}

/** The subset of `api.cache` the token cache needs; Auth0 may lose entries at any time. */
export interface TokenCache {
  get(key: string): { value: string } | undefined;
  set(key: string, value: string, options: { ttl: number }): unknown;
}

export interface ManagementClientOptions {
  domain: string;
  clientId: string;
  clientSecret: string;
  cache: TokenCache | undefined;
  /** Absolute time (ms) after which no request starts and no retry waits: keeps the Action inside 20 s. */
  deadline: number;
  now?: () => number;
  fetch?: typeof globalThis.fetch;
  attemptTimeoutMs?: number;
  maxAttempts?: number;
}

export const MANAGEMENT_DEFAULTS = Object.freeze({ attemptTimeoutMs: 4_000, maxAttempts: 3, backoffMs: 250 });
const TOKEN_CACHE_KEY = 'account-linking:mgmt-token';
const MAX_CACHE_VALUE_BYTES = 4096;

interface Response {
  status: number;
  body: unknown;
}

export function createManagementClient(options: ManagementClientOptions): ManagementPort {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? globalThis.fetch;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? MANAGEMENT_DEFAULTS.attemptTimeoutMs;
  const maxAttempts = options.maxAttempts ?? MANAGEMENT_DEFAULTS.maxAttempts;
  const base = `https://${options.domain}`;
  let token: string | undefined;

  async function send(
    method: string,
    path: string,
    body: unknown,
    bearer?: string,
    beforeAttempt?: () => Promise<void>,
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      await beforeAttempt?.();
      const remaining = options.deadline - now();
      if (remaining <= 0)
        throw new ManagementError('deadline_exceeded', `no time left for ${method} ${path}`);
      let retryAfterMs: number;
      try {
        const response = await doFetch(base + path, {
          method,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
          },
          body: body === undefined ? null : JSON.stringify(body),
          signal: AbortSignal.timeout(Math.min(attemptTimeoutMs, remaining)),
        });
        if (response.status !== 429 && response.status < 500) {
          return { status: response.status, body: await readJson(response, method, path) };
        }
        await response.body?.cancel();
        if (attempt >= maxAttempts) throw statusError(response.status, method, path);
        retryAfterMs = retryDelay(response.headers, now(), attempt);
        if (now() + retryAfterMs >= options.deadline) throw statusError(response.status, method, path);
      } catch (cause) {
        if (cause instanceof ManagementError) throw cause;
        const code = cause instanceof Error && cause.name === 'TimeoutError' ? 'timeout' : 'network';
        if (attempt >= maxAttempts) {
          throw new ManagementError(code, `${method} ${path} failed: ${code}`, { cause });
        }
        retryAfterMs = MANAGEMENT_DEFAULTS.backoffMs * 2 ** (attempt - 1);
      }
      await sleep(Math.min(retryAfterMs, Math.max(0, options.deadline - now())));
    }
  }

  async function accessToken(): Promise<string> {
    if (token !== undefined) return token;
    const cached = safeCacheGet(options.cache);
    if (cached !== undefined) {
      token = cached;
      return token;
    }
    const response = await send('POST', '/oauth/token', {
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
      audience: `${base}/api/v2/`,
    });
    const body = response.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      throw new ManagementError('unauthorized', `token request answered ${response.status}`, {
        status: response.status,
      });
    }
    token = body.access_token;
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    safeCacheSet(options.cache, token, Math.max(0, expiresIn - 60) * 1000);
    return token;
  }

  async function api(
    method: string,
    path: string,
    body?: unknown,
    beforeAttempt?: () => Promise<void>,
  ): Promise<Response> {
    const response = await send(method, `/api/v2${path}`, body, await accessToken(), beforeAttempt);
    if (response.status !== 401) return response;
    // A cached token may have been revoked or signed by a rotated key: fetch one fresh token, once.
    token = undefined;
    safeCacheSet(options.cache, '', 0);
    return send(method, `/api/v2${path}`, body, await accessToken(), beforeAttempt);
  }

  return {
    async usersByEmail(email) {
      const response = await api('GET', `/users-by-email?email=${encodeURIComponent(email)}`);
      expectStatus(response, [200], 'users-by-email');
      if (!Array.isArray(response.body)) throw invalid('users-by-email', 'an array');
      return response.body.filter(isUser);
    },
    async getUser(userId) {
      const response = await api('GET', `/users/${encodeURIComponent(userId)}`);
      if (response.status === 404) return undefined;
      expectStatus(response, [200], 'get user');
      if (!isUser(response.body)) throw invalid('get user', 'a user');
      return response.body;
    },
    async patchUser(userId, patch) {
      expectStatus(await api('PATCH', `/users/${encodeURIComponent(userId)}`, patch), [200], 'patch user');
    },
    async linkIdentity(primaryId, secondaryId, beforeAttempt) {
      const secondary: IdentityRef = splitUserId(secondaryId);
      const path = `/users/${encodeURIComponent(primaryId)}/identities`;
      const response = await api('POST', path, secondary, beforeAttempt);
      if (response.status === 201 || response.status === 200) return 'linked';
      if (response.status === 400 || response.status === 409) {
        const primary = await this.getUser(primaryId);
        if (primary !== undefined && holdsIdentityRef(primary.identities, secondary)) return 'already-linked';
      }
      throw statusError(response.status, 'POST', 'identities');
    },
    async unlink(primaryId, secondaryId) {
      const { provider, user_id } = splitUserId(secondaryId);
      const path = `/users/${encodeURIComponent(primaryId)}/identities/${encodeURIComponent(provider)}/${encodeURIComponent(user_id)}`;
      expectStatus(await api('DELETE', path), [200], 'unlink');
    },
  };
}

async function readJson(response: globalThis.Response, method: string, path: string): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ManagementError('invalid_response', `${method} ${path} answered malformed JSON`, {
      status: response.status,
      cause,
    });
  }
}

/** The tenant's rate-limit headers (`rateLimitWait`, shared with the Node programs), else exponential backoff. */
export function retryDelay(headers: Headers, nowMs: number, attempt: number): number {
  return rateLimitWait(headers, nowMs) ?? MANAGEMENT_DEFAULTS.backoffMs * 2 ** (attempt - 1);
}

function statusError(status: number, method: string, path: string): ManagementError {
  const code =
    status === 429
      ? 'rate_limited'
      : status >= 500
        ? 'server_error'
        : status === 401 || status === 403
          ? 'unauthorized'
          : 'request_failed';
  return new ManagementError(code, `${method} ${path.split('?')[0]} answered ${status}`, { status });
}

function expectStatus(response: Response, expected: number[], what: string): void {
  if (!expected.includes(response.status)) throw statusError(response.status, what, '');
}

function invalid(what: string, expected: string): ManagementError {
  return new ManagementError('invalid_response', `${what} did not answer ${expected}`);
}

function isUser(value: unknown): value is ManagementUser {
  return typeof value === 'object' && value !== null && typeof (value as ManagementUser).user_id === 'string';
}

function safeCacheGet(cache: TokenCache | undefined): string | undefined {
  try {
    const value = cache?.get(TOKEN_CACHE_KEY)?.value;
    return value === undefined || value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

function safeCacheSet(cache: TokenCache | undefined, value: string, ttl: number): void {
  if (cache === undefined || new TextEncoder().encode(value).length > MAX_CACHE_VALUE_BYTES) return;
  try {
    cache.set(TOKEN_CACHE_KEY, value, { ttl: Math.max(ttl, 1) });
  } catch {
    // The cache is an optimisation: a failed write costs one token request on the next login.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
