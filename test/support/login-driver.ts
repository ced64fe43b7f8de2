import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { runInNewContext } from 'node:vm';
import { beforeAll, beforeEach } from 'vitest';
import type { RunningTenant, TenantOptions } from '../../emulator/index.ts';
import { ACTION_BUNDLE, buildAction } from '../../scripts/build-action.ts';
import { type TestTenant, useTestTenant } from './tenant.ts';

const MAX_REDIRECTS = 20;

/** A regular web application registered on the tenant, with one callback. */
export interface LoginApp {
  client_id: string;
  client_secret: string;
  callback: string;
}

export interface StartedLogin {
  /** Where the tenant sent the browser after the login form: the callback, or an Action's redirect. */
  location: URL;
  verifier: string;
}

/**
 * Drives the local tenant's login like a browser with JavaScript off: `/authorize`, the login page's form, and
 * the redirects, keeping each origin's cookies (the tenant's SSO session, a web app's session) between requests as
 * a browser profile does.
 */
export class LoginDriver {
  readonly #tenant: Pick<RunningTenant, 'url'>;
  readonly #cookies = new Map<string, Map<string, string>>();

  constructor(tenant: Pick<RunningTenant, 'url'>) {
    this.#tenant = tenant;
  }

  /** Sends a request with this browser's cookies for its origin, records the ones set, never follows redirects. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.#tenant.url);
    const jar = this.#cookies.get(target.origin) ?? new Map<string, string>();
    this.#cookies.set(target.origin, jar);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = new Headers(init.headers);
    if (cookie !== '') headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', value = ''] = pair.trim().split(/=(.*)/s);
      const expired = attributes.some((attribute) => /^\s*max-age=0$/i.test(attribute));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  /**
   * Requests `url` and follows redirects as a browser does (each hop a GET with its origin's cookies); returns the
   * first answer that is not a redirect, where it came from, and every URL on the way (`url` included).
   */
  async follow(
    url: string | URL,
    init: RequestInit = {},
  ): Promise<{ response: Response; url: URL; visited: URL[] }> {
    let current = new URL(url, this.#tenant.url);
    const visited = [current];
    let response = await this.fetch(current, init);
    while (response.status >= 300 && response.status < 400) {
      if (visited.length > MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
      current = locationOf(response, current.href);
      visited.push(current);
      response = await this.fetch(current);
    }
    return { response, url: current, visited };
  }

  /**
   * Starts a login at an application's route `start`, follows it to the tenant's login page and submits `fields`;
   * returns the tenant's answer to the form and the `/authorize` request the application made.
   */
  async loginFrom(
    start: string,
    fields: Record<string, string>,
  ): Promise<{ response: Response; authorize: URL }> {
    const { response, url, visited } = await this.follow(start);
    const authorize = visited.find(
      (hop) => hop.origin === new URL(this.#tenant.url).origin && hop.pathname === '/authorize',
    );
    await response.body?.cancel();
    if (authorize === undefined || url.pathname !== '/u/login')
      throw new Error(`${start} did not lead to the tenant's login page: ${url}`);
    return { response: await this.submitLoginPage(url, fields), authorize };
  }

  /** Submits a form_post response page (`html`) as its onload script would: a POST of its fields to its action. */
  submitFormPost(html: string): Promise<Response> {
    const { action, fields } = formPostFields(html);
    return this.fetch(action, { method: 'POST', body: new URLSearchParams(fields) });
  }

  /** `/authorize` with code + PKCE (S256) for `app`; returns the tenant's answer and the PKCE verifier. */
  async authorize(
    app: LoginApp,
    params: Record<string, string> = {},
  ): Promise<{ response: Response; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: app.client_id,
      redirect_uri: app.callback,
      response_type: 'code',
      scope: 'openid profile email',
      state: 'app-state',
      nonce: 'app-nonce',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...params,
    });
    return { response: await this.fetch(`/authorize?${query}`), verifier };
  }

  /** A full interactive login on `connection` (a simulated provider asserting the email verified, or not). */
  async login(
    app: LoginApp,
    connection: string,
    email: string,
    params: Record<string, string> = {},
    emailVerified = true,
  ): Promise<StartedLogin> {
    const { response, verifier } = await this.#submitLogin(
      app,
      { connection, email, email_verified: String(emailVerified) },
      params,
    );
    return { location: locationOf(response, this.#tenant.url), verifier };
  }

  /** A full interactive login on the database connection with a password. */
  async loginWithPassword(app: LoginApp, email: string, password: string): Promise<StartedLogin> {
    const fields = { connection: 'Username-Password-Authentication', email, password };
    const { response, verifier } = await this.#submitLogin(app, fields, {});
    return { location: locationOf(response, this.#tenant.url), verifier };
  }

  /** A login on `connection`, returning the tenant's answer to the login form as it is (a redirect, or a page). */
  submitLogin(
    app: LoginApp,
    connection: string,
    email: string,
    params: Record<string, string> = {},
  ): Promise<{ response: Response; verifier: string }> {
    return this.#submitLogin(app, { connection, email, email_verified: 'true' }, params);
  }

  async #submitLogin(
    app: LoginApp,
    fields: Record<string, string>,
    params: Record<string, string>,
  ): Promise<{ response: Response; verifier: string }> {
    const { response, verifier } = await this.authorize(app, params);
    return { response: await this.submitLoginPage(locationOf(response, this.#tenant.url), fields), verifier };
  }

  /** Opens the tenant's login page `loginUrl` (where /authorize sent the browser), submits `fields`, returns the answer. */
  async submitLoginPage(loginUrl: URL, fields: Record<string, string>): Promise<Response> {
    const page = await this.fetch(loginUrl);
    const html = await page.text();
    if (!html.includes('<form method="post" action="/u/login">'))
      throw new Error(`the tenant did not show its login page: ${page.status} ${html.slice(0, 200)}`);
    return this.fetch('/u/login', {
      method: 'POST',
      body: new URLSearchParams({ state: loginUrl.searchParams.get('state') ?? '', ...fields }),
    });
  }

  /** Exchanges the code the callback received; returns the ID token's claims and the access token. */
  async exchange(
    app: LoginApp,
    location: URL,
    verifier: string,
  ): Promise<{ claims: Record<string, unknown>; accessToken: string }> {
    const code = location.searchParams.get('code');
    if (code === null) throw new Error(`the login ended without a code: ${location.search}`);
    const response = await fetch(`${this.#tenant.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: app.callback,
        client_id: app.client_id,
        client_secret: app.client_secret,
        code_verifier: verifier,
      }),
    });
    const tokens = (await response.json()) as { id_token: string; access_token: string };
    if (response.status !== 200) throw new Error(`the code exchange failed: ${JSON.stringify(tokens)}`);
    return { claims: decodeJwtPayload(tokens.id_token), accessToken: tokens.access_token };
  }
}

export function locationOf(response: Response, base: string): URL {
  const location = response.headers.get('location');
  if (location === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(location, base);
}

/** The action and hidden fields of a form_post response page, as a browser would submit them. */
export function formPostFields(html: string): { action: string; fields: Record<string, string> } {
  const decodeEntities = (value: string) =>
    value.replace(
      /&(amp|lt|gt|quot|#39);/g,
      (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '',
    );
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (action === undefined) throw new Error(`not a form_post page: ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const [, name = '', value = ''] of html.matchAll(
    /<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g,
  ))
    fields[decodeEntities(name)] = decodeEntities(value);
  return { action: decodeEntities(action), fields };
}

/** Runs a web_message response page as the iframe would, returning what it posted to the parent window. */
export function webMessageOf(html: string): { message: unknown; targetOrigin: string } {
  const script = /<script type="text\/javascript">([\s\S]*)<\/script>/.exec(html)?.[1];
  if (script === undefined) throw new Error(`not a web_message page: ${html.slice(0, 200)}`);
  const posted: Array<{ message: unknown; targetOrigin: string }> = [];
  const parent = {
    postMessage: (message: unknown, targetOrigin: string) => posted.push({ message, targetOrigin }),
  };
  runInNewContext(script, { parent, opener: null });
  const [first] = posted;
  if (posted.length !== 1 || first === undefined)
    throw new Error(`the page posted ${posted.length} messages`);
  return first;
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
}

/** A Management API access token of the tenant's bootstrap client (every scope). */
export async function bootstrapAccessToken(tenant: RunningTenant): Promise<string> {
  const response = await fetch(`${tenant.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: tenant.clientId,
      client_secret: tenant.clientSecret,
      audience: `${tenant.issuer}api/v2/`,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The file's tenant, its bootstrap Management caller and the app registered for the test: read them in tests. */
export interface LoginSite {
  readonly tenant: TestTenant;
  readonly api: ManagementCaller;
  readonly app: LoginApp;
}

/**
 * `useTestTenant` for login tests: the tenant (with `options`) reset whole before each test, a bootstrap Management
 * caller, and with `app` an application registered before each test (its callback and any other client fields).
 */
export function useLoginTenant(
  options: Omit<TenantOptions, 'control' | 'port'> & {
    app?: { callback: string; [field: string]: unknown };
    /** Once the tenant is up and the caller made, before any test. */
    started?: (site: Omit<LoginSite, 'app'>) => void | Promise<void>;
  } = {},
): LoginSite {
  const { app: appFields, started: onStarted, ...tenantOptions } = options;
  let tenant: TestTenant | undefined;
  let api: ManagementCaller | undefined;
  let app: LoginApp | undefined;
  useTestTenant(
    async (running) => {
      tenant = running;
      api = await bootstrapManagement(running);
      await onStarted?.({ tenant, api });
    },
    { ...tenantOptions, reset: { all: true } },
  );
  if (appFields !== undefined) {
    const { callback, ...fields } = appFields;
    beforeEach(async () => {
      app = await registerApp(site.api, callback, fields);
    });
  }
  const site: LoginSite = {
    get tenant() {
      return ready('tenant', tenant);
    },
    get api() {
      return ready('api', api);
    },
    get app() {
      return ready('app', app);
    },
  };
  return site;
}

function ready<T>(what: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`the login site's ${what} is read before it exists`);
  return value;
}

/** A Management API caller with the tenant's bootstrap client (every scope). */
export async function bootstrapManagement(tenant: RunningTenant) {
  const access_token = await bootstrapAccessToken(tenant);
  return async function api<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const answer = await fetch(`${tenant.url}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    return { status: answer.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

export type ManagementCaller = Awaited<ReturnType<typeof bootstrapManagement>>;

/** Registers a regular web application with one callback. */
export async function registerApp(
  api: ManagementCaller,
  callback: string,
  extra: object = {},
): Promise<LoginApp> {
  const created = await api<LoginApp>('POST', '/clients', {
    name: `App ${randomBytes(3).toString('hex')}`,
    app_type: 'regular_web',
    callbacks: [callback],
    ...extra,
  });
  if (created.status !== 201) throw new Error(`client creation failed: ${JSON.stringify(created.body)}`);
  return { client_id: created.body.client_id, client_secret: created.body.client_secret, callback };
}

/** Creates, deploys and binds (alone) a post-login Action from `code`. */
export async function deployPostLoginAction(
  api: ManagementCaller,
  code: string,
  secrets: Record<string, string>,
): Promise<void> {
  const created = await api<{ id: string; name: string }>('POST', '/actions/actions', {
    name: `account-linking-${randomBytes(4).toString('hex')}`,
    code,
    runtime: 'node22',
    supported_triggers: [{ id: 'post-login', version: 'v3' }],
    secrets: Object.entries(secrets).map(([name, value]) => ({ name, value })),
  });
  // Deploying waits for the build; a starved machine may take a while, so this is a deadline, not a count.
  const deadline = Date.now() + 30_000;
  while ((await api('POST', `/actions/actions/${created.body.id}/deploy`)).status >= 300) {
    if (Date.now() > deadline) throw new Error('the Action never finished building');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const bound = await api('PATCH', '/actions/triggers/post-login/bindings', {
    bindings: [{ ref: { type: 'action_name', value: created.body.name }, display_name: created.body.name }],
  });
  if (bound.status !== 200) throw new Error(`binding failed: ${JSON.stringify(bound.body)}`);
}

/**
 * Deploys code as the only post-login Action with its own M2M client granted `read:users update:users`, and the
 * secrets the account-linking Action needs to reach this tenant (plus `extra`).
 */
export async function deployWithManagementClient(
  tenant: RunningTenant,
  api: ManagementCaller,
  code: string,
  extra: Record<string, string>,
): Promise<void> {
  const client = await api<{ client_id: string; client_secret: string }>('POST', '/clients', {
    name: `Action ${randomBytes(3).toString('hex')}`,
    app_type: 'non_interactive',
  });
  await api('POST', '/client-grants', {
    client_id: client.body.client_id,
    audience: `${tenant.issuer}api/v2/`,
    scope: ['read:users', 'update:users'],
  });
  await deployPostLoginAction(api, code, {
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_CLIENT_ID: client.body.client_id,
    AUTH0_CLIENT_SECRET: client.body.client_secret,
    ...extra,
  });
}

/**
 * Builds the account-linking Action's bundle once for the file; the returned function deploys that bundle on the
 * site's tenant as `deployWithManagementClient` does, with `secrets`.
 */
export function useBuiltAction(
  site: Pick<LoginSite, 'tenant' | 'api'>,
): (secrets?: Record<string, string>) => Promise<void> {
  beforeAll(() => buildAction());
  return async (secrets = {}) =>
    deployWithManagementClient(site.tenant, site.api, await readFile(ACTION_BUNDLE, 'utf8'), secrets);
}
