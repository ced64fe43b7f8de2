import { beforeEach, describe, expect, it } from 'vitest';
import { type LoginApp, LoginDriver, registerApp, useLoginTenant } from '../../support/login-driver.ts';

// auth0.com/docs/get-started/applications/set-up-cors: browsers read the tenant's answers only from a client's
// Allowed Web Origins.
const SPA_ORIGIN = 'https://spa.test';
const OTHER_ORIGIN = 'https://other.test';

let spa: LoginApp;

const site = useLoginTenant();

beforeEach(async () => {
  spa = await registerApp(site.api, `${SPA_ORIGIN}/`, { web_origins: [SPA_ORIGIN] });
  // Another client allows OTHER_ORIGIN: that must not open the SPA's answers to it.
  await registerApp(site.api, `${OTHER_ORIGIN}/`, { web_origins: [OTHER_ORIGIN] });
});

function preflight(path: string, origin: string): Promise<Response> {
  return fetch(`${site.tenant.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'auth0-client, content-type',
    },
  });
}

/** A login of the SPA's client, ending with the code and verifier at the callback. */
async function loggedIn(): Promise<{ code: string; verifier: string }> {
  const { location, verifier } = await new LoginDriver(site.tenant).login(spa, 'github', 'alice@example.com');
  return { code: location.searchParams.get('code') ?? '', verifier };
}

function exchange(code: string, verifier: string, origin: string): Promise<Response> {
  return fetch(`${site.tenant.url}/oauth/token`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: spa.client_id,
      code,
      code_verifier: verifier,
      redirect_uri: spa.callback,
    }),
  });
}

describe('CORS on /oauth/token', () => {
  it('answers a preflight from an Allowed Web Origin with the headers auth0-spa-js sends', async () => {
    const answer = await preflight('/oauth/token', SPA_ORIGIN);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(answer.headers.get('access-control-allow-methods')).toBe('POST');
    expect(answer.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('auth0-client');
  });

  it('answers a preflight from an origin no client allows without CORS headers', async () => {
    const answer = await preflight('/oauth/token', 'https://evil.test');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the SPA’s own origin read the code exchange', async () => {
    const { code, verifier } = await loggedIn();
    const answer = await exchange(code, verifier, SPA_ORIGIN);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(answer.headers.get('vary')).toBe('Origin');
  });

  it('withholds the SPA’s tokens from an origin only another client allows', async () => {
    const { code, verifier } = await loggedIn();
    const answer = await exchange(code, verifier, OTHER_ORIGIN);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the SPA read an error, such as a spent code', async () => {
    const answer = await exchange('spent-code', 'verifier', SPA_ORIGIN);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
  });
});

describe('/userinfo', () => {
  async function accessToken(): Promise<string> {
    const { code, verifier } = await loggedIn();
    return ((await (await exchange(code, verifier, SPA_ORIGIN)).json()) as { access_token: string })
      .access_token;
  }

  it('answers the token’s client’s Allowed Web Origins, and no other', async () => {
    const token = await accessToken();
    const from = (origin: string) =>
      fetch(`${site.tenant.url}/userinfo`, { headers: { origin, authorization: `Bearer ${token}` } });
    expect((await from(SPA_ORIGIN)).headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect((await from(OTHER_ORIGIN)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('/userinfo', SPA_ORIGIN)).headers.get('access-control-allow-origin')).toBe(
      SPA_ORIGIN,
    );
  });

  it('accepts the access token as ?access_token=, as Auth0 does', async () => {
    const token = await accessToken();
    const answer = await fetch(`${site.tenant.url}/userinfo?access_token=${encodeURIComponent(token)}`);
    expect(await answer.json()).toMatchObject({ email: 'alice@example.com' });
  });

  it('refuses a bad ?access_token= with 401 invalid_token', async () => {
    const answer = await fetch(`${site.tenant.url}/userinfo?access_token=not-a-token`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
