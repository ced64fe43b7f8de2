import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What the Action hands the consent page travels in a URL (browser history, proxy logs, a forwarded link), so it is
 * sealed: the signed link request (`api.redirect.encodeToken`, which also adds the login's `ip`) is wrapped in a
 * compact JWE (`dir`, `A256GCM`, `cty: JWT`: a nested JWT, RFC 7519 section 5.2) that only holders of
 * SESSION_TOKEN_SECRET can open. node:crypto only, as the Action runs it (Node 18 APIs); the web app opens it with
 * jose. Separate keys per use are derived from the one shared secret with HKDF (RFC 5869).
 */
export const LINK_REQUEST_JWE_HEADER = Object.freeze({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' });

/** How long the consent page or the notice page may take to send the browser back to /continue. */
export const LINK_REQUEST_LIFETIME_SECONDS = 300;

type KeyUse = 'link-request-encryption' | 'browser-binding';

export function deriveKey(secret: string, use: KeyUse): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'auth0-account-linking', use, 32));
}

/** Encrypts a signed link request for the consent URL; the result reveals nothing but its length. */
export function sealLinkRequest(signedToken: string, secret: string): string {
  const header = Buffer.from(JSON.stringify(LINK_REQUEST_JWE_HEADER)).toString('base64url');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, 'link-request-encryption'), iv);
  cipher.setAAD(Buffer.from(header, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(signedToken, 'utf8'), cipher.final()]);
  return [header, '', iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export interface BrowserTraits {
  readonly userAgent: string | undefined;
  readonly ip: string | undefined;
}

/**
 * The browser a login came from, as the Action sees it (`event.request.user_agent` and `.ip`), keyed so the value
 * reveals neither: a plain hash of an IP address is reversed by trying all 2^32. The Action puts it in the link
 * request at redirect time, the consent page returns it in its proof, and `/continue` must come from a browser with
 * the same value. The IP is included because the user agent alone is easy to copy; a browser whose address changes
 * between the two (a network switch) completes its login unlinked and is asked again next time.
 */
export function browserBinding(secret: string, browser: BrowserTraits): string {
  return createHmac('sha256', deriveKey(secret, 'browser-binding'))
    .update(JSON.stringify([browser.userAgent ?? '', browser.ip ?? '']))
    .digest('base64url');
}
