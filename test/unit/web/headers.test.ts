import { describe, expect, it } from 'vitest';
import { consentUrl, linkRequestToken, makeTestApp } from './support.ts';

async function consentResponse(): Promise<Response> {
  return makeTestApp().request(consentUrl(await linkRequestToken()));
}

describe('security headers', () => {
  it('sends a strict CSP that allows forms only to itself and the tenant', async () => {
    const csp = (await consentResponse()).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("form-action 'self' https://tenant.example.com");
    expect(csp).toContain("base-uri 'none'");
  });

  it('forbids framing by any origin', async () => {
    const response = await consentResponse();
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('sends no referrer, no sniffing and no caching', async () => {
    const { headers } = await consentResponse();
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('uses a new nonce on every response and puts it on the inline style', async () => {
    const first = await consentResponse();
    const second = await consentResponse();
    const nonce = (r: Response) =>
      /style-src 'nonce-([^']+)'/.exec(r.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce(first)).not.toBe(nonce(second));
    expect(await first.text()).toContain(`<style nonce="${nonce(first)}">`);
  });

  it('sends the same headers on error pages', async () => {
    const response = await makeTestApp().request('/no-such-page');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
