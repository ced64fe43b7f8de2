// The Management API client of the Node programs (web app, deploy, backfill): the `auth0` SDK over one retrying
// fetch, and one error type. The Action never imports this file: it keeps its own small fetch port (bundle size).
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagementClient, ManagementError, ManagementTimeoutError } from 'auth0';
import { CodedError } from './errors.ts';
import { backoffDelay, rateLimitWait } from './rate-limit.ts';

export interface RetryOptions {
  maxAttempts?: number;
  /** First backoff after a 5xx or a network failure; doubles per attempt, with jitter. */
  backoffMs?: number;
  /** No single wait is longer, whatever the tenant's headers say. */
  maxWaitMs?: number;
  fetch?: typeof globalThis.fetch;
  random?: () => number;
  /** Before every attempt (the backfill paces here). */
  beforeAttempt?: (url: URL) => Promise<void>;
  /** Each answer or network failure, for counting and pacing. */
  observe?: (
    url: URL,
    outcome: 'answered' | 'rate_limited' | 'server_error' | 'network_error',
    response?: Response,
  ) => void;
  /** How a 429 is waited out; the backfill pauses every worker instead of this one. */
  waitOutRateLimit?: (ms: number) => Promise<void>;
}

export const RETRY_DEFAULTS = Object.freeze({ maxAttempts: 4, backoffMs: 250, maxWaitMs: 10_000 });

/**
 * The one retry rule of the Node programs: a 429 waits as `Retry-After`/`X-RateLimit-Reset` say, a 5xx or a
 * network failure backs off exponentially; requests whose body cannot be sent twice, and aborted ones, are never
 * repeated. Handed to the `auth0` SDK with its own retries off.
 */
export function retryingFetch(options: RetryOptions = {}): typeof globalThis.fetch {
  const doFetch = options.fetch ?? globalThis.fetch;
  const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
  const backoffMs = options.backoffMs ?? RETRY_DEFAULTS.backoffMs;
  const maxWaitMs = options.maxWaitMs ?? RETRY_DEFAULTS.maxWaitMs;
  const random = options.random ?? Math.random;
  const waitOutRateLimit = options.waitOutRateLimit ?? ((ms: number) => sleep(ms));
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const replayable = init?.body === undefined || init.body === null || typeof init.body === 'string';
    for (let attempt = 1; ; attempt++) {
      await options.beforeAttempt?.(url);
      const backoff = () => backoffDelay(backoffMs, attempt, maxWaitMs, random);
      let response: Response;
      try {
        response = await doFetch(input, init);
      } catch (error) {
        if (init?.signal?.aborted || attempt >= maxAttempts || !replayable) throw error;
        options.observe?.(url, 'network_error');
        await sleep(backoff());
        continue;
      }
      if (response.status !== 429 && response.status < 500) {
        options.observe?.(url, 'answered', response);
        return response;
      }
      options.observe?.(url, response.status === 429 ? 'rate_limited' : 'server_error', response);
      if (attempt >= maxAttempts || !replayable) return response;
      await response.body?.cancel();
      if (response.status === 429) {
        await waitOutRateLimit(rateLimitWait(response.headers, Date.now(), maxWaitMs) ?? backoff());
      } else {
        await sleep(backoff());
      }
    }
  };
}

export interface ManagementSdkOptions {
  domain: string;
  clientId: string;
  clientSecret: string;
  /** The SDK's timeout for one call, retries included. */
  timeoutSeconds: number;
  /** Default `retryingFetch()`; a program with other needs passes its own `retryingFetch(...)`. */
  fetch?: typeof globalThis.fetch;
  /** A token cache the caller shares (the web app's readiness probe reads it too) instead of the SDK's own. */
  token?: () => Promise<string>;
}

/** The `auth0` SDK with the credential given and the retry rule above (the SDK's own retries are off). */
export function createManagementSdk(options: ManagementSdkOptions): ManagementClient {
  const common = {
    domain: options.domain,
    timeoutInSeconds: options.timeoutSeconds,
    maxRetries: 0,
    fetch: options.fetch ?? retryingFetch(),
  };
  return new ManagementClient(
    options.token === undefined
      ? { ...common, clientId: options.clientId, clientSecret: options.clientSecret }
      : { ...common, token: options.token },
  );
}

/**
 * A Management API call that failed: `status` is the tenant's answer (absent when none came), `timedOut` says the
 * SDK gave up waiting, `missingScope` names the scope a 403 asks for. Messages name the endpoint, never a secret.
 */
export class ManagementApiError extends CodedError<'management_error'> {
  readonly status: number | undefined;
  readonly timedOut: boolean;
  readonly missingScope: string | undefined;

  constructor(
    message: string,
    options: { status?: number | undefined; timedOut?: boolean; missingScope?: string; cause?: unknown } = {},
  ) {
    super('management_error', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ManagementApiError';
    this.status = options.status;
    this.timedOut = options.timedOut ?? false;
    this.missingScope = options.missingScope;
  }
}

/** `what`: the endpoint (`GET /users/{id}`); `scope`: what it needs, named when the tenant answers 403. */
export function toManagementApiError(cause: unknown, what: string, scope?: string): ManagementApiError {
  if (cause instanceof ManagementApiError) return cause;
  if (cause instanceof ManagementTimeoutError) {
    return new ManagementApiError(`${what} timed out`, { timedOut: true, cause });
  }
  const status = cause instanceof ManagementError ? cause.statusCode : undefined;
  if (status === 401) {
    return new ManagementApiError(
      `${what} failed with 401: the tenant refused the credential (check the client id and secret)`,
      { status, cause },
    );
  }
  if (status === 403 && scope !== undefined) {
    return new ManagementApiError(
      `${what} failed with 403: the client's grant on the Management API lacks the ${scope} scope`,
      {
        status,
        missingScope: scope,
        cause,
      },
    );
  }
  const detail =
    cause instanceof ManagementError ? messageOf(cause.body) : (cause as Error | undefined)?.message;
  return new ManagementApiError(
    `${what} failed${status === undefined ? '' : ` with ${status}`}${detail ? `: ${detail}` : ''}`,
    { status, cause },
  );
}

function messageOf(body: unknown): string | undefined {
  const { message, error_description: description } = (body ?? {}) as Record<string, unknown>;
  const text = typeof message === 'string' ? message : description;
  return typeof text === 'string' ? text.slice(0, 200) : undefined;
}
