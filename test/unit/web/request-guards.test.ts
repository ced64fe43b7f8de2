import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../web/request-guards.ts';
import { makeUser } from '../../support/users.ts';
import { hiddenField, makeTestApp, NOW_SECONDS } from './support.ts';

async function signedIn() {
  const t = makeTestApp();
  t.tenant.seed(makeUser('auth0|primary'));
  await t.request('/login');
  t.oidc.claims = { sub: 'auth0|primary', auth_time: NOW_SECONDS, sid: 'sid-1' };
  await t.request(`/callback?code=c&state=${t.oidc.lastAuthorization().state}`);
  const csrf = hiddenField(await (await t.request('/account')).text(), 'csrf') ?? '';
  return { t, csrf };
}

describe('POSTs come from the web app’s own pages', () => {
  it.each([
    ['a cross-site Origin', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['a cross-site Origin without fetch metadata', { origin: 'https://evil.example', 'sec-fetch-site': '' }],
    ['a same-site sibling', { origin: 'https://other.link.example.com', 'sec-fetch-site': 'same-site' }],
    ['neither header', { origin: '', 'sec-fetch-site': '' }],
  ])('refuses a form post with %s with 403, even with a valid CSRF token', async (_, headers) => {
    const { t, csrf } = await signedIn();
    const sent = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ''));
    const response = await t.request('/account/link', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sent },
      body: new URLSearchParams({ csrf, connection: 'github' }).toString(),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('This form was not sent from this site');
    expect(t.oidc.authorizations).toHaveLength(1);
  });

  it('accepts Origin: null when the browser says same-origin (Referrer-Policy: no-referrer)', async () => {
    const { t, csrf } = await signedIn();
    const response = await t.post('/account/link', { csrf, connection: 'github' }, true, { origin: 'null' });
    expect(response.status).toBe(303);
    expect(t.oidc.lastAuthorization().client).toBe('reauth');
  });

  it('accepts the public origin without fetch metadata (older browsers)', async () => {
    const { t, csrf } = await signedIn();
    const response = await t.post('/account/link', { csrf, connection: 'github' }, true, {
      'sec-fetch-site': '',
    });
    expect(response.status).toBe(303);
  });
});

describe('request bodies', () => {
  it('answers a malformed multipart body with 400, not 500', async () => {
    const { t } = await signedIn();
    const response = await t.request('/account/unlink', {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=xyz',
        origin: 'https://link.example.com',
        'sec-fetch-site': 'same-origin',
      },
      body: '--xyz\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nunterminated',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The form could not be read');
  });

  it(`answers a body over ${MAX_BODY_BYTES} bytes with 413 before reading it`, async () => {
    const { t, csrf } = await signedIn();
    const response = await t.post('/account/link', { csrf, connection: 'x'.repeat(MAX_BODY_BYTES) });
    expect(response.status).toBe(413);
    expect(t.oidc.authorizations).toHaveLength(1);
  });

  it('limits the back-channel logout receiver too', async () => {
    const { t } = await signedIn();
    const response = await t.request('/backchannel-logout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `logout_token=${'x'.repeat(MAX_BODY_BYTES)}`,
    });
    expect(response.status).toBe(413);
  });
});
