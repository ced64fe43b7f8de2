import type { MiddlewareHandler } from 'hono';
import type { WebConfig } from './config.ts';

/**
 * With `TRUST_PROXY`, the forwarded scheme and host count: a request the proxy received over plain http is sent to
 * `WEB_URL` (https), and one addressed to another host is refused (421), so a misrouted or misconfigured proxy shows
 * up at once. Redirects, cookies and `Origin` checks always use `WEB_URL`, never a forwarded value, and without
 * `TRUST_PROXY` the headers are ignored: anyone can send them. The app keeps no per-address state, so
 * `X-Forwarded-For` is never read.
 */
export function forwardedRequestGuard(
  config: Pick<WebConfig, 'webUrl' | 'trustProxyHops'>,
): MiddlewareHandler {
  const publicUrl = new URL(config.webUrl);
  return async (c, next) => {
    if (config.trustProxyHops === 0) return next();
    const proto = forwardedBy(c.req.header('x-forwarded-proto'), config.trustProxyHops);
    const host = forwardedBy(c.req.header('x-forwarded-host'), config.trustProxyHops);
    if (host !== undefined && host.toLowerCase() !== publicUrl.host) {
      return c.text(`This server answers for ${publicUrl.origin} only.`, 421);
    }
    if (proto === 'http' && publicUrl.protocol === 'https:') {
      const { pathname, search } = new URL(c.req.url);
      return c.redirect(`${config.webUrl}${pathname}${search}`, 308);
    }
    return next();
  };
}

/** The value the outermost trusted proxy wrote: proxies append, so it is `hops` entries from the right. */
function forwardedBy(header: string | undefined, hops: number): string | undefined {
  if (header === undefined) return undefined;
  const entries = header.split(',').map((entry) => entry.trim());
  const value = entries[Math.max(0, entries.length - hops)];
  return value === '' ? undefined : value;
}
