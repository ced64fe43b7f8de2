import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { WEB_ROUTES } from './routes.ts';

/** Every form here carries a few short fields and at most one token; nothing near this size is legitimate. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Larger bodies get 413 before anything reads them. */
export const limitBodies: MiddlewareHandler = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new HTTPException(413, { message: 'request body too large' });
  },
});

/**
 * A POST must come from the web app's own pages: `Sec-Fetch-Site: same-origin` or an `Origin` of exactly
 * `webOrigin` (the public origin: behind a proxy the request URL's origin is not the browser's). This is in addition
 * to the CSRF token, so a cross-site form with a stolen token is still refused. Browsers send `Origin: null` under
 * this app's `Referrer-Policy: no-referrer`, and `Sec-Fetch-Site` then decides. The back-channel logout receiver is
 * called server to server, with neither header, and authenticates by its signed token instead.
 */
export function sameOriginPosts(webOrigin: string): MiddlewareHandler {
  const check = csrf({ origin: webOrigin, secFetchSite: 'same-origin' });
  return (c, next) => (c.req.path === WEB_ROUTES.backchannelLogout ? next() : check(c, next));
}

/** Parses a form body once, up front (handlers reuse Hono's cached parse): a malformed one is 400, never 500. */
export const parseForms: MiddlewareHandler = async (c, next) => {
  if (c.req.method === 'POST') {
    try {
      await c.req.parseBody();
    } catch {
      throw new HTTPException(400, { message: 'malformed request body' });
    }
  }
  await next();
};
