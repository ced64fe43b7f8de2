import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type LoginApp, type ManagementCaller, registerApp, useLoginTenant } from './login-driver.ts';
import { type LoopbackServer, listenOnLoopback } from './loopback-server.ts';
import type { TestTenant } from './tenant.ts';

/** An SDK test's world: the file's tenant (everything reset before each test) and the app's own loopback site. */
export interface AppSite {
  readonly tenant: TestTenant;
  /** The tenant's Management API with the bootstrap client (every scope). */
  readonly api: ManagementCaller;
  /** The site's origin, `http://localhost:<port>` or `https://…` (no trailing slash). */
  readonly url: string;
  /** The client registered for the site before each test (`AppSiteOptions.client`). */
  readonly client: LoginApp;
  /** What the site runs from now on (an Express app, a static page): set it in each test or `beforeEach`. */
  serve(handler: RequestListener): void;
}

export interface AppSiteOptions {
  /**
   * Registers a client before each test (a regular web app unless `fields` says otherwise): its callback's path on
   * the site, and any other client fields, given the site's origin.
   */
  client?: { callbackPath: string; fields?: (siteUrl: string) => Record<string, unknown> };
  /** Serves the site over HTTPS (`listenOnLoopback`'s `tls`). */
  tls?: boolean;
}

/** Starts the tenant and the site before the file's tests, closes both after them. */
export function useAppSite(options: AppSiteOptions = {}): AppSite {
  let tenant: TestTenant | undefined;
  let client: LoginApp | undefined;
  let api: ManagementCaller | undefined;
  let site: LoopbackServer | undefined;
  let handler: RequestListener = (_request, response) => response.writeHead(503).end();
  useLoginTenant({
    started: ({ tenant: started, api: caller }) => {
      [tenant, api] = [started, caller];
    },
  });
  beforeAll(async () => {
    site = await listenOnLoopback((request, response) => handler(request, response), {
      tls: options.tls === true,
    });
  });
  afterAll(async () => {
    await site?.close();
  });
  const registration = options.client;
  if (registration) {
    beforeEach(async () => {
      const url = ready(site).url;
      client = await registerApp(
        ready(api),
        `${url}${registration.callbackPath}`,
        registration.fields?.(url),
      );
    });
  }
  return {
    get tenant() {
      return ready(tenant);
    },
    get api() {
      return ready(api);
    },
    get client() {
      return ready(client);
    },
    get url() {
      return ready(site).url;
    },
    serve(next) {
      handler = next;
    },
  };
}

function ready<T>(value: T | undefined): T {
  if (value === undefined)
    throw new Error('useAppSite is read before its hooks ran (or without options.client)');
  return value;
}
