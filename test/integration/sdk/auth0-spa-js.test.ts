import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/chromium.ts';
import { type ManagementCaller, useLoginTenant } from '../../support/login-driver.ts';
import { type LoopbackServer, listenOnLoopback } from '../../support/loopback-server.ts';
import type { TestTenant } from '../../support/tenant.ts';

// Auth0's SPA SDK, unchanged, on a static page of another localhost origin: silent authentication
// (web_message), the PKCE code exchange and refresh-token rotation from the browser (CORS), /userinfo.
// auth0.com/docs/libraries/auth0-single-page-app-sdk

/** The page's globals: the SDK bundle as the app loads it. */
type InPage = { auth0: typeof import('@auth0/auth0-spa-js') };

useLoginTenant((t, a) => {
  [tenant, api] = [t, a];
});
let tenant: TestTenant;
let api: ManagementCaller;
let browser: Browser;
let site: LoopbackServer;
let origin: string;
let clientId: string;

beforeAll(async () => {
  const bundle = await build({
    stdin: { contents: "export * from '@auth0/auth0-spa-js';", resolveDir: process.cwd() },
    bundle: true,
    format: 'iife',
    globalName: 'auth0',
    write: false,
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  site = await listenOnLoopback((request, response) => {
    if (request.url === '/auth0.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><html><head><script src="/auth0.js"></script></head><body>SPA</body></html>');
  });
  origin = site.url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

beforeEach(async () => {
  const created = await api<{ client_id: string }>('POST', '/clients', {
    name: 'SPA',
    app_type: 'spa',
    callbacks: [`${origin}/`],
    web_origins: [origin],
    allowed_logout_urls: [`${origin}/`],
    refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 0 },
  });
  clientId = created.body.client_id;
});

async function spaPage(): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  return page;
}

/** The options the app passes to the SDK: its tenant, its client, and its origin as the callback. */
function sdkOptions(useRefreshTokens: boolean) {
  return {
    domain: tenant.domain,
    clientId,
    useRefreshTokens,
    authorizationParams: { redirect_uri: `${origin}/` },
  };
}

/** loginWithRedirect, the tenant's login page (a simulated GitHub login), and handleRedirectCallback. */
async function logIn(page: Page): Promise<void> {
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/u/login'),
    page.evaluate(
      (options) => new (globalThis as unknown as InPage).auth0.Auth0Client(options).loginWithRedirect(),
      sdkOptions(true),
    ),
  ]);
  const github = page.locator('form', { hasText: 'github (simulated)' });
  await github.getByLabel('Email the provider returns').fill('alice@example.com');
  await Promise.all([
    page.waitForURL((url) => url.origin === origin && url.searchParams.has('code')),
    github.getByRole('button').click(),
  ]);
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
    const page = await spaPage();
    await logIn(page);
    const user = await page.evaluate(async (options) => {
      const client = new (globalThis as unknown as InPage).auth0.Auth0Client(options);
      await client.handleRedirectCallback();
      return client.getUser();
    }, sdkOptions(true));
    expect(user?.email).toBe('alice@example.com');
  });

  it('renews the access token with a rotating refresh token, and calls /userinfo with it', async () => {
    const page = await spaPage();
    await logIn(page);
    const answer = await page.evaluate(async (options) => {
      const client = new (globalThis as unknown as InPage).auth0.Auth0Client(options);
      await client.handleRedirectCallback();
      const tokens = [await client.getTokenSilently()];
      tokens.push(await client.getTokenSilently({ cacheMode: 'off' }));
      tokens.push(await client.getTokenSilently({ cacheMode: 'off' }));
      const me = await fetch(`https://${options.domain}/userinfo`, {
        headers: { authorization: `Bearer ${tokens[2]}` },
      });
      return { renewed: tokens.length, email: ((await me.json()) as { email: string }).email };
    }, sdkOptions(true));
    expect(answer).toEqual({ renewed: 3, email: 'alice@example.com' });
  });
});
