import { describe, expect, it } from 'vitest';
import { parseWebConfig, type WebConfig } from '../../../web/config.ts';
import { OidcError } from '../../../web/errors.ts';
import { createOidcClient, type OidcPort, randomOidcValues } from '../../../web/oidc.ts';
import { bootstrapAccessToken, LoginDriver, locationOf } from '../../support/login-driver.ts';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';

const WEB_URL = 'https://link.test';
const CALLBACK = `${WEB_URL}/consent/callback`;

let tenant: TestTenant;
let config: WebConfig;
let oidc: OidcPort;

useTestTenant(
  async (started) => {
    tenant = started;
    const created = await fetch(`${tenant.url}/api/v2/clients`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await bootstrapAccessToken(tenant)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'Re-authentication', app_type: 'regular_web', callbacks: [CALLBACK] }),
    });
    const reauth = (await created.json()) as { client_id: string; client_secret: string };
    config = parseWebConfig({
      AUTH0_DOMAIN: tenant.domain,
      WEB_URL,
      WEB_CLIENT_ID: 'web-client-not-used-here',
      WEB_CLIENT_SECRET: 'unused',
      REAUTH_CLIENT_ID: reauth.client_id,
      REAUTH_CLIENT_SECRET: reauth.client_secret,
      SESSION_TOKEN_SECRET: 'session-token-secret-0123456789-abcdef',
      COOKIE_SECRET: 'cookie-secret-0123456789-abcdefghijklmnop',
    });
    oidc = createOidcClient(config);
    await tenant.control.seedUsers([
      {
        connection: 'github',
        email: 'alice@example.com',
        email_verified: true,
        created_at: '2020-01-01T00:00:00.000Z',
      },
    ]);
  },
  { reset: false },
);

/** Follows /authorize to the tenant's login page and submits it like a browser with JavaScript off. */
async function signInAtTenant(authorizationUrl: URL, connection: string, email: string): Promise<URL> {
  const browser = new LoginDriver(tenant);
  const loginUrl = locationOf(await browser.fetch(authorizationUrl), tenant.url);
  await (await browser.fetch(loginUrl)).text();
  const submitted = await browser.fetch('/u/login', {
    method: 'POST',
    body: new URLSearchParams({
      state: loginUrl.searchParams.get('state') ?? '',
      connection,
      email,
      email_verified: 'true',
    }),
  });
  return new URL(submitted.headers.get('location') ?? '');
}

describe('the web app OIDC adapter against the local tenant', () => {
  it('re-authenticates with PKCE and returns validated claims with a fresh auth_time', async () => {
    const values = randomOidcValues();
    const startedAt = Math.floor(Date.now() / 1000);
    const url = await oidc.authorizationUrl({
      client: 'reauth',
      redirectUri: CALLBACK,
      ...values,
      params: { connection: 'github', login_hint: 'alice@example.com', prompt: 'login', max_age: '0' },
    });
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const callback = await signInAtTenant(url, 'github', 'alice@example.com');
    expect(callback.origin + callback.pathname).toBe(CALLBACK);
    const claims = await oidc.exchangeCode({
      client: 'reauth',
      callbackUrl: callback,
      expectedState: values.state,
      expectedNonce: values.nonce,
      codeVerifier: values.codeVerifier,
    });
    const [user] = await tenant.control.users();
    expect(claims.sub).toBe(user?.user_id);
    expect(claims.auth_time).toBeGreaterThanOrEqual(startedAt - 1);
  });

  it('refuses a code exchange with another nonce', async () => {
    const values = randomOidcValues();
    const url = await oidc.authorizationUrl({
      client: 'reauth',
      redirectUri: CALLBACK,
      ...values,
      params: { connection: 'github', prompt: 'login', max_age: '0' },
    });
    const callback = await signInAtTenant(url, 'github', 'alice@example.com');
    const failure = await oidc
      .exchangeCode({
        client: 'reauth',
        callbackUrl: callback,
        expectedState: values.state,
        expectedNonce: 'another-nonce',
        codeVerifier: values.codeVerifier,
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OidcError);
    expect((failure as OidcError).code).toBe('oidc_rejected');
  });

  it('reports a tenant that is not listening as unreachable', async () => {
    const down = createOidcClient({ ...config, tenantOrigin: 'https://127.0.0.1:9' });
    const failure = await down
      .authorizationUrl({ client: 'reauth', redirectUri: CALLBACK, ...randomOidcValues() })
      .catch((error: unknown) => error);
    expect((failure as OidcError).code).toBe('tenant_unreachable');
  });
});
