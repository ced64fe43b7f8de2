import { describe, expect, it } from 'vitest';
import type { InProcessTenant } from '../../support/in-process-tenant.ts';
import { makeUser } from '../../support/users.ts';
import { hiddenField, makeTestApp, NOW_SECONDS, type TenantKeys, tenantFor, tenantKeys } from './support.ts';

const PRIMARY = 'auth0|primary';

function seeded(tenant = tenantFor()) {
  if (tenant.users.get(PRIMARY) === undefined) tenant.seed(makeUser(PRIMARY));
  return tenant;
}

/** One web app instance; several share only the tenant, as behind a load balancer. */
function instance(tenant: InProcessTenant, keys?: TenantKeys) {
  return makeTestApp({ tenant, ...(keys === undefined ? {} : { jwks: keys.jwks }) });
}

type Instance = ReturnType<typeof instance>;

/** Signs in on `t` in tenant session `sid`; returns the account page's CSRF token. */
async function signIn(t: Instance, sid = 'sid-1'): Promise<string> {
  await t.request('/login');
  t.oidc.claims = { sub: PRIMARY, auth_time: NOW_SECONDS, sid };
  await t.request(`/callback?code=c&state=${t.oidc.lastAuthorization().state}`);
  return hiddenField(await (await t.request('/account')).text(), 'csrf') ?? '';
}

/** A second browser holding a copy of `from`'s cookies. */
function copyCookies(from: Instance, to: Instance): void {
  for (const [name, value] of from.jar.cookies) to.jar.cookies.set(name, value);
}

const postLogout = (t: Instance, token: string) =>
  t.request('/backchannel-logout', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  });

/** A browser signed in on one instance, and a thief on another instance holding a copy of its cookies. */
async function signedInAndCopied() {
  const tenant = seeded();
  const browser = instance(tenant);
  const csrf = await signIn(browser);
  const thief = instance(tenant);
  copyCookies(browser, thief);
  return { browser, csrf, thief };
}

describe('signing out ends the session on the server', () => {
  it('a session cookie copied before sign-out opens nothing afterwards, on another instance too', async () => {
    const { browser, csrf, thief } = await signedInAndCopied();
    expect((await thief.request('/account')).status).toBe(200);

    const out = await browser.post('/logout', { csrf });
    expect(out.headers.get('location')).toMatch(/^https:\/\/tenant\.example\.com\/v2\/logout\?/);

    const account = await thief.request('/account');
    expect(account.status).toBe(303);
    expect(account.headers.get('location')).toBe('/login');
  });

  it('refuses link and unlink requests made with a copied cookie and its CSRF token after sign-out', async () => {
    const { browser, csrf, thief } = await signedInAndCopied();
    await browser.post('/logout', { csrf });

    const link = await thief.post('/account/link', { csrf, connection: 'github' });
    expect(link.headers.get('location')).toBe('/login');
    expect(thief.oidc.authorizations).toHaveLength(0);
    const unlink = await thief.post('/account/unlink', { csrf, provider: 'github', user_id: '77' });
    expect(unlink.headers.get('location')).toBe('/login');
    expect(thief.unlinks()).toHaveLength(0);
  });

  it('keeps the cookie and says so when the end of the session cannot be recorded', async () => {
    const tenant = seeded();
    const browser = instance(tenant);
    const csrf = await signIn(browser);
    tenant.fail('patch-user', { status: 503, count: Infinity });
    const out = await browser.post('/logout', { csrf });
    expect(out.status).toBe(502);
    expect(await out.text()).toContain('You are still signed in');
    expect(browser.jar.cookies.has('session')).toBe(true);
  });

  it('lets the same browser sign in again after signing out', async () => {
    const tenant = seeded();
    const browser = instance(tenant);
    const csrf = await signIn(browser);
    await browser.post('/logout', { csrf });
    browser.setNow(new Date(Date.parse('2025-06-01T12:00:01Z')));
    await signIn(browser);
    expect((await browser.request('/account')).status).toBe(200);
  });
});

describe('OIDC Back-Channel Logout', () => {
  it('ends the web app sessions of the tenant session on every instance, and no other session', async () => {
    const keys = await tenantKeys();
    const tenant = seeded();
    const receiver = instance(tenant, keys);
    const laptop = instance(tenant, keys);
    const phone = instance(tenant, keys);
    await signIn(laptop, 'sid-1');
    await signIn(phone, 'sid-2');

    const response = await postLogout(receiver, await keys.logoutToken({ sid: 'sid-1' }));
    expect(response.status).toBe(200);
    expect((await laptop.request('/account')).headers.get('location')).toBe('/login');
    expect((await phone.request('/account')).status).toBe(200);
  });

  it('ends every session of the user for a logout token without sid', async () => {
    const keys = await tenantKeys();
    const tenant = seeded();
    const browser = instance(tenant, keys);
    await signIn(browser, 'sid-1');
    const response = await postLogout(browser, await keys.logoutToken({}, { drop: ['sid'] }));
    expect(response.status).toBe(200);
    expect((await browser.request('/account')).headers.get('location')).toBe('/login');
  });

  it('answers 200 for a user that no longer exists', async () => {
    const keys = await tenantKeys();
    const browser = instance(seeded(), keys);
    const response = await postLogout(browser, await keys.logoutToken({ sub: 'auth0|gone' }));
    expect(response.status).toBe(200);
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example.com/' }, {}],
    ['another audience', { aud: 'reauth-client' }, {}],
    ['no back-channel logout event', { events: { 'urn:other': {} } }, {}],
    ['a nonce (an ID token)', { nonce: 'n' }, {}],
    ['an iat older than two minutes', {}, { iat: NOW_SECONDS - 600 }],
    ['no jti', {}, { drop: ['jti'] }],
    ['no sub', {}, { drop: ['sub'] }],
    ['no exp', {}, { drop: ['exp'] }],
  ])('refuses a logout token with %s with 400 and ends nothing', async (_, claims, options) => {
    const keys = await tenantKeys();
    const tenant = seeded();
    const browser = instance(tenant, keys);
    await signIn(browser);
    const response = await postLogout(browser, await keys.logoutToken(claims, options));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect((await browser.request('/account')).status).toBe(200);
  });

  it('refuses a logout token signed by another key', async () => {
    const forger = await tenantKeys();
    const browser = instance(seeded(), await tenantKeys());
    const response = await postLogout(browser, await forger.logoutToken());
    expect(response.status).toBe(400);
  });

  it('answers 400 so the tenant reports a failure when the end cannot be recorded', async () => {
    const keys = await tenantKeys();
    const tenant = seeded();
    const browser = instance(tenant, keys);
    tenant.fail('patch-user', { status: 503, count: Infinity });
    const response = await postLogout(browser, await keys.logoutToken());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
