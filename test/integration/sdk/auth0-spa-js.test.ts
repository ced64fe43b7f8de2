import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppSite } from '../../support/app-site.ts';
import { launchChromium } from '../../support/chromium.ts';

// Auth0's SPA SDK, unchanged, on a static page of another localhost origin: silent authentication
// (web_message), the PKCE code exchange and refresh-token rotation from the browser (CORS), /userinfo.
// auth0.com/docs/libraries/auth0-single-page-app-sdk

/** The page's globals: the SDK bundle as the app loads it, and the app's client once it handled the login. */
type InPage = {
  auth0: typeof import('@auth0/auth0-spa-js');
  client: import('@auth0/auth0-spa-js').Auth0Client;
};

// Over HTTPS on localhost like the tenant: https://localhost:<a> and https://localhost:<b> are one site (ports do
// not count), so the iframe's tenant cookie is first-party to the page, as an app and its tenant on one registrable
// domain (a custom domain) are on Auth0. Chromium blocks the cookie of a page served over plain http: another scheme
// is another site.
const local = useAppSite({
  tls: true,
  client: {
    callbackPath: '/',
    fields: (url) => ({
      app_type: 'spa',
      web_origins: [url],
      allowed_logout_urls: [`${url}/`],
      refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 0 },
    }),
  },
});
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    stdin: { contents: "export * from '@auth0/auth0-spa-js';", resolveDir: process.cwd() },
    bundle: true,
    format: 'iife',
    globalName: 'auth0',
    write: false,
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  local.serve((request, response) => {
    if (request.url === '/auth0.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><html><head><script src="/auth0.js"></script></head><body>SPA</body></html>');
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function spaPage(): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await page.goto(`${local.url}/`);
  return page;
}

/** The options the app passes to the SDK: its tenant, its client, and its origin as the callback. */
function sdkOptions(useRefreshTokens: boolean) {
  return {
    domain: local.tenant.domain,
    clientId: local.client.client_id,
    useRefreshTokens,
    authorizationParams: { redirect_uri: `${local.url}/` },
  };
}

/**
 * A page that logged in: loginWithRedirect, the tenant's login page (a simulated GitHub login), and back on the page
 * handleRedirectCallback, after which the page's `client` holds the tokens.
 */
async function signedInPage(useRefreshTokens: boolean): Promise<Page> {
  const page = await spaPage();
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/u/login'),
    page.evaluate(
      (options) => new (globalThis as unknown as InPage).auth0.Auth0Client(options).loginWithRedirect(),
      sdkOptions(useRefreshTokens),
    ),
  ]);
  const github = page.locator('form', { hasText: 'github (simulated)' });
  await github.getByLabel('Email the provider returns').fill('alice@example.com');
  await Promise.all([
    page.waitForURL((url) => url.origin === local.url && url.searchParams.has('code')),
    github.getByRole('button').click(),
  ]);
  await page.evaluate(async (options) => {
    const inPage = globalThis as unknown as InPage;
    inPage.client = new inPage.auth0.Auth0Client(options);
    await inPage.client.handleRedirectCallback();
  }, sdkOptions(useRefreshTokens));
  return page;
}

describe('@auth0/auth0-spa-js against the local tenant', () => {
  it('gets login_required from silent authentication without a session (web_message in an iframe)', async () => {
    const page = await spaPage();
    const error = await page.evaluate(async (options) => {
      try {
        await new (globalThis as unknown as InPage).auth0.Auth0Client(options).getTokenSilently();
        return 'none';
      } catch (caught) {
        return (caught as { error?: string }).error;
      }
    }, sdkOptions(false));
    expect(error).toBe('login_required');
  });

  it('logs in with a redirect, exchanges the code from the browser and reads the user', async () => {
    const page = await signedInPage(true);
    const user = await page.evaluate(() => (globalThis as unknown as InPage).client.getUser());
    expect(user?.email).toBe('alice@example.com');
  });

  it('renews silently in an iframe with the tenant session after a reload (memory cache, no refresh token)', async () => {
    const page = await signedInPage(false);
    await page.goto(`${local.url}/`);
    const answer = await page.evaluate(async (options) => {
      const client = new (globalThis as unknown as InPage).auth0.Auth0Client({
        ...options,
        cacheLocation: 'memory',
      });
      const before = await client.getUser();
      const token = await client.getTokenSilently({ detailedResponse: true });
      return {
        before: before ?? null,
        renewed: typeof token?.access_token === 'string',
        user: (await client.getUser())?.email,
      };
    }, sdkOptions(false));
    expect(answer).toEqual({ before: null, renewed: true, user: 'alice@example.com' });
  });

  it('renews the access token with a rotating refresh token, and calls /userinfo with it', async () => {
    const page = await signedInPage(true);
    const answer = await page.evaluate(async (domain) => {
      const { client } = globalThis as unknown as InPage;
      const tokens = [await client.getTokenSilently()];
      tokens.push(await client.getTokenSilently({ cacheMode: 'off' }));
      tokens.push(await client.getTokenSilently({ cacheMode: 'off' }));
      const me = await fetch(`https://${domain}/userinfo`, {
        headers: { authorization: `Bearer ${tokens[2]}` },
      });
      return { renewed: tokens.length, email: ((await me.json()) as { email: string }).email };
    }, local.tenant.domain);
    expect(answer).toEqual({ renewed: 3, email: 'alice@example.com' });
  });
});
