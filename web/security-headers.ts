import type { MiddlewareHandler } from 'hono';
import { NONCE, secureHeaders } from 'hono/secure-headers';

export type WebEnv = { Variables: { nonce: string; secureHeadersNonce?: string } };

/** Hono's secure headers; CSP: this response's nonce'd style and script, forms to self and the tenant. */
export function securityHeaders(tenantOrigin: string): MiddlewareHandler<WebEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [NONCE],
      scriptSrc: [NONCE],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'", tenantOrigin],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
  });
  return (c, next) =>
    headers(c, async () => {
      c.set('nonce', c.get('secureHeadersNonce') ?? '');
      await next();
      c.res.headers.set('Cache-Control', 'no-store');
    });
}
