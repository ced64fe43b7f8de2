/** A DNS host name with an optional port and nothing else (no scheme, path or credentials). */
const HOST_NAME = '(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*';
const HOST_WITH_OPTIONAL_PORT = new RegExp(`^${HOST_NAME}(?::\\d{1,5})?$`, 'i');
const HOST_NAME_ONLY = new RegExp(`^${HOST_NAME}$`, 'i');
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `tenant.eu.auth0.com` or `localhost:8443`: the form of `AUTH0_DOMAIN` the Action, web app and scripts accept. */
export function isHostWithOptionalPort(value: string): boolean {
  return HOST_WITH_OPTIONAL_PORT.test(value);
}

/** A DNS host name without a port: what a server may be told to listen on, besides an IP address. */
export function isHostName(value: string): boolean {
  return HOST_NAME_ONLY.test(value);
}

/** https, or plain http on the loopback host only (a page running beside a local tenant). */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** `localhost`, `127.0.0.1` or `[::1]` (a URL's `hostname`). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}
