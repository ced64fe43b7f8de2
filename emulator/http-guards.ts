import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, MiddlewareHandler } from 'hono';
import type { TenantContext, TenantEnv } from './context.ts';
import { ApiError, reasonPhrase } from './errors.ts';

/**
 * What a dropped request answers when it came without a socket (`app.fetch` in process): the caller's fetch turns it
 * into the network failure a destroyed socket gives.
 */
export const DROPPED_STATUS = 599;

/** Applies the first matching fault rule: added latency, an injected status, a cut-short body or a dropped socket. */
export function injectFaults(tenant: TenantContext): MiddlewareHandler<TenantEnv> {
  return async (c, next) => {
    const hit = tenant.faults.match(c.req.method, c.req.path);
    if (!hit) return next();
    const { rule, effect } = hit;
    tenant.events.record({
      type: 'fault',
      route: rule.route,
      method: c.req.method,
      path: c.req.path,
      effect,
      ...(rule.status !== undefined ? { status: rule.status } : {}),
      ...(rule.latencyMs !== undefined ? { latency_ms: rule.latencyMs } : {}),
    });
    if (rule.latencyMs) {
      try {
        await sleep(rule.latencyMs, undefined, { signal: c.req.raw.signal });
      } catch {
        // The client gave up waiting (its timeout): nobody reads an answer, and the request must not run late.
        return new Response(null, { status: 499 });
      }
    }
    if (effect === 'drop') {
      c.env.incoming?.socket.destroy();
      return new Response(null, { status: DROPPED_STATUS });
    }
    if (effect === 'malformed') {
      return new Response('{"user_id": ', { headers: { 'content-type': 'application/json' } });
    }
    if (effect === 'latency' || rule.status === undefined) return next();
    const status = rule.status;
    if (status === 429) {
      if (rule.retryAfter !== undefined) c.header('retry-after', String(rule.retryAfter));
      c.header('x-ratelimit-limit', String(tenant.rateLimit.config.burst));
      c.header('x-ratelimit-remaining', '0');
      c.header('x-ratelimit-reset', String(Math.ceil(tenant.now() / 1000) + (rule.retryAfter ?? 1)));
    }
    if (c.req.path.startsWith('/oauth/')) {
      return c.json(
        {
          error: status === 429 ? 'too_many_requests' : 'server_error',
          error_description: reasonPhrase(status),
        },
        status as 500,
      );
    }
    const message = status === 429 ? 'Global limit has been reached' : reasonPhrase(status);
    const errorCode = status === 429 ? 'too_many_requests' : undefined;
    return c.json(new ApiError(status, message, errorCode).toBody(), status as 500);
  };
}

/**
 * The `api_limit` event Auth0 writes when a request meets the rate limit
 * (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes: "The maximum number of requests to the
 * Authentication or Management APIs in given time has been reached"). The bucket is checked before the token, so the
 * event names the request, not the client (inferred shape).
 */
function logRateLimited(tenant: TenantContext, c: Context<TenantEnv>): void {
  const ip = c.env?.incoming?.socket.remoteAddress ?? '127.0.0.1';
  const userAgent = c.req.header('user-agent');
  tenant.logs.record({
    type: 'api_limit',
    description: `Global limit has been reached: ${c.req.method} ${c.req.path}`,
    ip,
    ...(userAgent === undefined ? {} : { user_agent: userAgent }),
    details: { request: { method: c.req.method.toLowerCase(), path: c.req.path, channel: 'api' } },
  });
}

/** Auth0's tenant-wide token bucket on `/api/v2`: `x-ratelimit-*` on every answer, 429 with `Retry-After` when empty. */
export function rateLimit(tenant: TenantContext): MiddlewareHandler<TenantEnv> {
  return async (c, next) => {
    const decision = tenant.rateLimit.take();
    const headers = {
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-reset': String(decision.reset),
    };
    if (!decision.allowed) {
      const body = new ApiError(429, 'Global limit has been reached', 'too_many_requests').toBody();
      logRateLimited(tenant, c);
      return c.json(body, 429, { ...headers, 'retry-after': String(decision.retryAfter ?? 1) });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    return undefined;
  };
}
