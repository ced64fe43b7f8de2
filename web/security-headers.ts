import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export type WebEnv = { Variables: { nonce: string } };

export function securityHeaders(tenantOrigin: string): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const nonce = randomBytes(16).toString('base64');
    c.set('nonce', nonce);
    await next();
    const csp = [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      "img-src 'self' data:",
      `form-action 'self' ${tenantOrigin}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; ');
    c.res.headers.set('Content-Security-Policy', csp);
    c.res.headers.set('Referrer-Policy', 'no-referrer');
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('X-Frame-Options', 'DENY');
    c.res.headers.set('Cache-Control', 'no-store');
    c.res.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  };
}
