import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_BUNDLE, buildAction } from '../../scripts/build-action.ts';
import { provisionDemo } from '../../scripts/start/provision.ts';
import { type RunningWebServer, startWebServer } from '../../web/server.ts';
import { startTestTenant, type TestTenant } from '../support/tenant.ts';

const ARTIFACTS = path.resolve('test-artifacts');
const EMAIL = 'dana@example.com';
const PASSWORD = 'correct horse battery staple';
const SESSION_TOKEN_SECRET = 'e2e-session-token-secret-0123456789abcdef';

let tenant: TestTenant;
let web: RunningWebServer;
let browser: Browser;
let webUrl: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function snapshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  await buildAction();
  tenant = await startTestTenant();
  const port = await freePort();
  webUrl = `http://localhost:${port}`;
  const clients = await provisionDemo(tenant, {
    webUrl,
    actionCode: await readFile(ACTION_BUNDLE, 'utf8'),
    sessionTokenSecret: SESSION_TOKEN_SECRET,
  });
  web = await startWebServer({
    AUTH0_DOMAIN: tenant.domain,
    WEB_URL: webUrl,
    WEB_CLIENT_ID: clients.web.client_id,
    WEB_CLIENT_SECRET: clients.web.client_secret,
    REAUTH_CLIENT_ID: clients.reauth.client_id,
    REAUTH_CLIENT_SECRET: clients.reauth.client_secret,
    SESSION_TOKEN_SECRET,
    COOKIE_SECRET: 'e2e-cookie-secret-0123456789abcdefghijkl',
    PORT: String(port),
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await tenant?.close();
});

/**
 * Logs in with the simulated Google connection until the Action sends the browser to the consent page. On a
 * starved machine the Action's Management calls can time out, and the Action then lets the login through unlinked
 * by design; the next login asks again, as it would for a real user.
 */
async function reachConsentWithGoogle(): Promise<Page> {
  for (let attempt = 1; ; attempt++) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${webUrl}/login`);
    await page.waitForURL(/\/u\/login/);
    const social = page.locator('form', { hasText: 'google-oauth2' });
    await social.locator('input[name="email"]').fill(EMAIL);
    await social.getByRole('button').click();
    await page.waitForURL((url) => url.pathname === '/consent' || url.pathname === '/account');
    if (new URL(page.url()).pathname === '/consent') return page;
    const decisions = (await tenant.control.events({ type: 'action' })).flatMap((event) =>
      'logs' in event ? event.logs.filter((line) => line.startsWith('account-linking ')) : [],
    );
    console.log(`e2e: login ${attempt} went through unlinked: ${decisions.at(-1)}`);
    await context.close();
    if (attempt === 3) throw new Error('the Action never asked for consent in three logins');
  }
}

describe('the demo in Chromium', () => {
  it('signs up with a password, logs in with Google, links on the consent page and shows two sign-in methods', async () => {
    const started = Date.now();
    const signup = await browser.newContext({ ignoreHTTPSErrors: true });
    const first = await signup.newPage();
    await first.goto(`${webUrl}/login`);
    await first.waitForURL(/\/u\/login/);
    await snapshot(first, 'tenant-login');
    const database = first.locator('form', { has: first.locator('input[name="password"]') });
    await database.locator('input[name="email"]').fill(EMAIL);
    await database.locator('input[name="password"]').fill(PASSWORD);
    await database.locator('input[name="signup"]').check();
    await database.getByRole('button', { name: 'Continue' }).click();
    await first.getByRole('link', { name: /Verify/ }).click();
    await first.waitForURL(`${webUrl}/account`);
    await expect(first.getByRole('heading', { name: 'Your account' }).isVisible()).resolves.toBe(true);
    await signup.close();

    const page = await reachConsentWithGoogle();
    await snapshot(page, 'consent');
    await page.getByRole('button', { name: /^Link/ }).click();
    await page.waitForURL(/\/u\/login/);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${webUrl}/account`, { timeout: 30_000 });
    await snapshot(page, 'account-linked');
    const users = await tenant.control.users();
    expect(users).toHaveLength(1);
    expect(users[0]?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(await page.getByRole('button', { name: /Unlink/ }).count()).toBeGreaterThan(0);
    console.log(`e2e: full link flow took ${Date.now() - started} ms`);
  });
});
