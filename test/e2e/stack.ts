import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { beforeAll, expect, inject } from 'vitest';
import { deploy } from '../../scripts/deploy.ts';
import { launchChromium } from '../support/chromium.ts';
import { type ControlClient, type ControlUser, controlClient } from '../support/tenant.ts';

/** What test/e2e/global-setup.ts hands every browser test file. */
export interface E2eStack {
  webUrl: string;
  tenantUrl: string;
  controlKey: string;
  reauthClientId: string;
  /** What `npm run deploy` read for this stack, to deploy it again with other Action settings. */
  deployEnv: Record<string, string>;
  caFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eStack: E2eStack;
  }
}

export const PASSWORD = 'correct horse battery staple';
export const DATABASE = 'Username-Password-Authentication';
const ARTIFACTS = path.resolve('test-artifacts');
// Every wait is generous: two CPU cores run Chromium, the tenant, the Action and the web app at once.
const NAVIGATION_MS = 45_000;

export interface Demo {
  webUrl: string;
  control: ControlClient;
  browser: Browser;
  /** A fresh browser profile (no cookies): one person's browser, or a private window. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

export async function openDemo(): Promise<Demo> {
  const stack = inject('e2eStack');
  const browser = await launchChromium();
  return {
    webUrl: stack.webUrl,
    control: controlClient(stack.tenantUrl, stack.controlKey),
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
      context.setDefaultTimeout(NAVIGATION_MS);
      context.setDefaultNavigationTimeout(NAVIGATION_MS);
      return context.newPage();
    },
    async close() {
      await browser.close();
    },
  };
}

/**
 * Deploys tenant.yaml again, as `npm run deploy` does, with these Action settings on top of the stack's (none:
 * the defaults every other file expects). Files run one at a time, so a file that changes them restores them.
 */
export async function deployActionSettings(settings: Record<string, string> = {}): Promise<void> {
  const stack = inject('e2eStack');
  await deploy({ ...stack.deployEnv, ...settings }, { caFile: stack.caFile, log: () => undefined });
}

/** The demo of one test file: opened before its tests, closed after them; call the getter inside a test or hook. */
export function demoForFile(): () => Demo {
  let demo: Demo | undefined;
  beforeAll(async () => {
    demo = await openDemo();
    return () => demo?.close();
  });
  return () => {
    if (demo === undefined) throw new Error('the demo opens in beforeAll: use it inside a test or hook');
    return demo;
  };
}

/** A full-page screenshot in test-artifacts/ (git-ignored), one per page the demo shows. */
export async function snapshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A verified password user, created a year ago so it is the oldest account with its email (the primary). */
export async function seedPasswordUser(
  demo: Demo,
  email: string,
  extra: { user_metadata?: Record<string, unknown> } = {},
): Promise<ControlUser> {
  const [user] = await demo.control.seedUsers([
    {
      connection: DATABASE,
      email,
      email_verified: true,
      password: PASSWORD,
      created_at: new Date(Date.now() - 365 * 86_400_000).toISOString(),
      ...extra,
    },
  ]);
  if (!user) throw new Error('the tenant seeded no user');
  return user;
}

export async function usersWithEmail(demo: Demo, email: string): Promise<ControlUser[]> {
  return (await demo.control.users()).filter(
    (user) =>
      user.email === email || user.identities.some((identity) => identity.profileData?.email === email),
  );
}

/** Fills the tenant's password form (the login page, or the re-authentication the consent page starts). */
export async function submitPassword(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.waitForURL(/\/u\/login/);
  const form = page.locator('form', { has: page.locator('input[name="password"]') });
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(password);
  await form.getByRole('button', { name: 'Continue' }).click();
}

/** Fills the simulated social provider's form of the tenant's login page. */
export async function submitSocial(page: Page, connection: string, email: string): Promise<void> {
  await page.waitForURL(/\/u\/login/);
  const form = page.locator('form', { hasText: `${connection} (simulated)` });
  await form.locator('input[name="email"]').fill(email);
  await form.getByRole('button').click();
}

/** Signs in to the account page with a password; returns on the account page. */
export async function signInWithPassword(demo: Demo, page: Page, email: string): Promise<void> {
  await page.goto(`${demo.webUrl}/login`);
  await submitPassword(page, email);
  await page.waitForURL(`${demo.webUrl}/account`);
}

export type LandedOn = 'consent' | 'notice' | 'account';

/** The Action's decision lines (`account-linking {...}`) written after event `after`. */
export async function actionDecisions(demo: Demo, after: number): Promise<string[]> {
  const events = await demo.control.events({ type: 'action', after });
  return events.flatMap((event) =>
    'logs' in event ? event.logs.filter((line) => line.startsWith('account-linking ')) : [],
  );
}

async function lastEventId(demo: Demo): Promise<number> {
  return (await demo.control.events()).at(-1)?.id ?? 0;
}

const FAILED_OPEN = /"reason":"(management_error|unexpected_error)"/;

/**
 * Runs one login attempt and repeats it (up to three times, in a new browser) when the Action failed open during it.
 * On a starved machine the Action's Management calls can time out, and it then lets the login through unlinked by
 * design (`management_error`); a real user would simply be asked again on the next login.
 */
export async function retryWhenFailedOpen<T extends { page: Page; watchedFrom?: number }>(
  demo: Demo,
  attempt: () => Promise<T>,
  acceptFailedOpen: (result: T) => boolean = () => false,
): Promise<T & { decisions: string[] }> {
  for (let round = 1; ; round++) {
    const before = await lastEventId(demo);
    const result = await attempt();
    // An attempt may watch only its own last part (what came before it retried itself).
    const decisions = await actionDecisions(demo, result.watchedFrom ?? before);
    const failedOpen = decisions.find((line) => FAILED_OPEN.test(line));
    if (failedOpen === undefined || acceptFailedOpen(result)) return { ...result, decisions };
    console.log(`e2e: attempt ${round} failed open (starved machine), retrying: ${failedOpen}`);
    await result.page.context().close();
    if (round === 3) throw new Error('the Action failed open in three attempts in a row');
  }
}

/**
 * Signs in to the web app with the simulated Google connection and returns where the login lands: the consent page
 * (the Action asked) or the account page (it did not, for a reason other than failing open).
 */
export function signInWithGoogle(
  demo: Demo,
  email: string,
  options: BrowserContextOptions = {},
): Promise<SignedIn> {
  return signInWith(demo, 'google-oauth2', email, options);
}

export interface SignedIn {
  page: Page;
  landedOn: LandedOn;
  decisions: string[];
  /** The consent URL as the tenant sent it (with its query, before the page strips it), when the Action asked. */
  consentUrl?: string;
  /** The notice URL as the tenant sent it, when the Action linked silently with LINK_NOTICE=page. */
  noticeUrl?: string;
}

/** Signs in with a simulated social or enterprise `connection`, as signInWithGoogle does. */
export async function signInWith(
  demo: Demo,
  connection: string,
  email: string,
  options: BrowserContextOptions = {},
): Promise<SignedIn> {
  return retryWhenFailedOpen(
    demo,
    async () => {
      const page = await demo.newPage(options);
      const sent: Partial<Record<'consentUrl' | 'noticeUrl', string>> = {};
      page.on('request', (request) => {
        const { pathname } = new URL(request.url());
        if (!request.isNavigationRequest()) return;
        if (pathname === '/consent') sent.consentUrl ??= request.url();
        if (pathname === '/notice') sent.noticeUrl ??= request.url();
      });
      await page.goto(`${demo.webUrl}/login`);
      await submitSocial(page, connection, email);
      await page.waitForURL((url) => ['/consent', '/notice', '/account'].includes(url.pathname));
      const landedOn = new URL(page.url()).pathname.slice(1) as LandedOn;
      return { page, landedOn, ...sent };
    },
    ({ landedOn }) => landedOn !== 'account',
  );
}

/** Signs in with Google and expects the consent page. */
export async function reachConsent(
  demo: Demo,
  email: string,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const { page, landedOn, decisions } = await signInWithGoogle(demo, email, options);
  if (landedOn !== 'consent') {
    throw new Error(`the Action did not ask for consent; it decided: ${decisions.join(' | ')}`);
  }
  return page;
}

/**
 * Signs in with Google, makes a choice on the consent page (`choose`: the name of the button that answers, or steps
 * that end once the browser is on its way back to the tenant) and waits for the login to complete on the account
 * page. Repeated when the Action's `/continue` side failed open (the choice was then not applied, exactly as if the
 * user had never answered).
 */
export async function answerConsent(
  demo: Demo,
  email: string,
  choose: string | ((page: Page) => Promise<void>),
  options: BrowserContextOptions = {},
): Promise<Page> {
  const { page } = await retryWhenFailedOpen(demo, async () => {
    const page = await reachConsent(demo, email, options);
    const watchedFrom = await lastEventId(demo);
    if (typeof choose === 'string') await page.getByRole('button', { name: choose }).click();
    else await choose(page);
    await page.waitForURL(`${demo.webUrl}/account`);
    return { page, watchedFrom };
  });
  return page;
}

/** The `user_id` shown on the account page, i.e. whom the web session belongs to. */
export async function signedInUserId(page: Page): Promise<string> {
  const userId = page.locator('dt', { hasText: 'User id' }).locator('xpath=following-sibling::dd[1]');
  return ((await userId.textContent()) ?? '').trim();
}

/** The code the tenant's outbox page shows for `email` (as a person running the demo reads it); closes the page. */
export async function codeOnOutboxPage(outbox: Page, email: string): Promise<string> {
  const code = ((await outbox.locator(`.code[data-to="${email}"]`).first().textContent()) ?? '').trim();
  expect(code).toMatch(/^\d{6}$/);
  await outbox.close();
  return code;
}

/** Submits a wrong code and then `code` with the form's `button`; returns the alert the wrong code showed. */
export async function enterCodeAfterAWrongOne(page: Page, code: string, button: string): Promise<string> {
  const submit = async (value: string) => {
    await page.locator('input[name="code"]').fill(value);
    await page.getByRole('button', { name: button }).click();
  };
  await submit(code === '000000' ? '111111' : '000000');
  const refusal = (await page.getByRole('alert').textContent()) ?? '';
  await submit(code);
  return refusal;
}
