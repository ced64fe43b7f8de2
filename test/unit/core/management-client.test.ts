import { ManagementError } from 'auth0';
import { describe, expect, it } from 'vitest';
import { ManagementApiError, retryingFetch, toManagementApiError } from '../../../core/management-client.ts';

type Answer = { status: number; headers?: Record<string, string> } | Error;

/** A network that answers `answers` in order (an Error is thrown as a network failure) and counts the requests. */
function network(...answers: Answer[]) {
  const seen = { requests: 0 };
  const fetch: typeof globalThis.fetch = async () => {
    const answer = answers[Math.min(seen.requests, answers.length - 1)]!;
    seen.requests += 1;
    if (answer instanceof Error) throw answer;
    return new Response('{}', answer);
  };
  return { fetch, seen };
}

const URL_ = 'https://tenant.example.com/api/v2/users/auth0%7C1';

describe("retryingFetch, the Node programs' one retry rule", () => {
  it('waits out a 429 for as long as Retry-After says, then sends the request again', async () => {
    const waits: number[] = [];
    const { fetch, seen } = network({ status: 429, headers: { 'retry-after': '2' } }, { status: 200 });
    const response = await retryingFetch({ fetch, waitOutRateLimit: async (ms) => void waits.push(ms) })(
      URL_,
    );
    expect(response.status).toBe(200);
    expect(seen.requests).toBe(2);
    expect(waits).toEqual([2000]);
  });

  it('waits until X-RateLimit-Reset when a 429 has no Retry-After, capped at maxWaitMs', async () => {
    const waits: number[] = [];
    const reset = String(Math.ceil(Date.now() / 1000) + 60);
    const { fetch } = network({ status: 429, headers: { 'x-ratelimit-reset': reset } }, { status: 200 });
    await retryingFetch({ fetch, maxWaitMs: 5_000, waitOutRateLimit: async (ms) => void waits.push(ms) })(
      URL_,
    );
    expect(waits).toEqual([5_000]);
  });

  it('backs off after a 5xx and a network failure, and answers the last response once the attempts are spent', async () => {
    const { fetch, seen } = network(new TypeError('fetch failed'), { status: 503 }, { status: 502 });
    const response = await retryingFetch({ fetch, maxAttempts: 3, backoffMs: 1 })(URL_);
    expect(response.status).toBe(502);
    expect(seen.requests).toBe(3);
  });

  it('answers a 4xx other than 429 at once', async () => {
    const { fetch, seen } = network({ status: 404 });
    expect((await retryingFetch({ fetch })(URL_)).status).toBe(404);
    expect(seen.requests).toBe(1);
  });

  it('never sends twice a request whose body cannot be replayed', async () => {
    const { fetch, seen } = network({ status: 503 });
    const body = new ReadableStream({ start: (controller) => controller.close() });
    const response = await retryingFetch({ fetch, backoffMs: 1 })(URL_, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(503);
    expect(seen.requests).toBe(1);
  });
});

describe('toManagementApiError', () => {
  const sdkError = (statusCode: number, body: unknown = {}) => new ManagementError({ statusCode, body });

  it('names the scope a 403 asks for', () => {
    const error = toManagementApiError(sdkError(403), 'GET /users', 'read:users');
    expect(error).toMatchObject({ code: 'management_error', status: 403, missingScope: 'read:users' });
    expect(error.message).toBe(
      "GET /users failed with 403: the client's grant on the Management API lacks the read:users scope",
    );
  });

  it('points a 401 at the credential', () => {
    expect(toManagementApiError(sdkError(401), 'GET /users').message).toContain('refused the credential');
  });

  it("keeps the tenant's message and status for any other failure", () => {
    const error = toManagementApiError(
      sdkError(409, { message: 'The identity is already linked' }),
      'POST /x',
    );
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ status: 409, timedOut: false });
    expect(error.message).toBe('POST /x failed with 409: The identity is already linked');
  });
});
