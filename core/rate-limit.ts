/**
 * How long a rate-limited Management API client waits: `Retry-After` (seconds) first, then `X-RateLimit-Reset`
 * (epoch seconds), capped; undefined when the answer carries neither. Auth0 sends both on a 429:
 * https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/management-api-endpoint-rate-limits
 */
export function rateLimitWait(
  headers: Headers,
  nowMs: number,
  maxWaitMs = Number.POSITIVE_INFINITY,
): number | undefined {
  const retryAfter = Number(headers.get('retry-after'));
  if (headers.has('retry-after') && Number.isFinite(retryAfter) && retryAfter >= 0)
    return Math.min(retryAfter * 1000, maxWaitMs);
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset) && reset > 0)
    return Math.min(Math.max(0, reset * 1000 - nowMs), maxWaitMs);
  return undefined;
}

/** Exponential backoff with jitter for attempt `attempt` (1-based): between half and all of base·2^(attempt-1). */
export function backoffDelay(
  baseMs: number,
  attempt: number,
  maxWaitMs = Number.POSITIVE_INFINITY,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), maxWaitMs);
  return ceiling / 2 + random() * (ceiling / 2);
}
