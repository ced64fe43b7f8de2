import type { ManagementUser } from '../../core/users.ts';
import type { TenantContext } from '../../emulator/context.ts';
import type { FaultRule } from '../../emulator/faults.ts';
import { DROPPED_STATUS } from '../../emulator/http-guards.ts';
import { createTenant, DEFAULT_DATA_DIR } from '../../emulator/index.ts';
import { loadSigningKey } from '../../emulator/keys.ts';
import type { UserDirectory } from '../../emulator/user-directory.ts';

// One key per test worker, read before any test: creating a tenant stays synchronous and cheap.
const signingKey = await loadSigningKey(DEFAULT_DATA_DIR);

/** The Management API calls tests name, as the emulator's fault rules match them. */
export const ROUTES = {
  token: 'POST /oauth/token',
  'users-by-email': 'GET /api/v2/users-by-email',
  'get-user': 'GET /api/v2/users/:id',
  'patch-user': 'PATCH /api/v2/users/:id',
  link: 'POST /api/v2/users/:id/identities',
  unlink: 'DELETE /api/v2/users/:id/identities/:provider/:user_id',
} as const;

export type RouteName = keyof typeof ROUTES;

export interface Call {
  route: RouteName | 'other';
  method: string;
  /** Path (decoded) and query, as sent. */
  path: string;
  /** The JSON body, when there is one. */
  body?: unknown;
}

/** A fault for one call to a route: the emulator's rule without its `route`. */
export type Fault = Omit<FaultRule, 'route'>;

export interface InProcessTenantOptions {
  /** Default `tenant.example.com`: the host the Action's `AUTH0_DOMAIN` and the programs' config name. */
  domain?: string;
  /** The bootstrap client, granted every Management scope. */
  clientId?: string;
  clientSecret?: string;
  /** The tenant's clock (default `Date.now`): tests pin it to step past a lifetime. */
  now?: () => number;
}

/**
 * The local tenant's app driven in process: `fetch` hands each request to `app.fetch` (no socket), so the Action's
 * fetch port and the `auth0` SDK talk to the one model of Auth0 the emulator keeps. Faults are the emulator's own
 * rules; `before`/`afterNext` stand in for another writer (a concurrent login) at the HTTP boundary.
 */
export class InProcessTenant {
  readonly domain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly context: TenantContext;
  /** The tenant's live user records. */
  readonly users: UserDirectory;
  readonly calls: Call[] = [];
  /** Requests sent and not yet answered. */
  inFlight = 0;
  readonly #app: ReturnType<typeof createTenant>['app'];
  readonly #before = new Map<RouteName, (path: string) => Promise<void> | void>();
  readonly #after = new Map<RouteName, (path: string) => void>();

  constructor(options: InProcessTenantOptions = {}) {
    this.domain = options.domain ?? 'tenant.example.com';
    this.clientId = options.clientId ?? 'action-client';
    this.clientSecret = options.clientSecret ?? 'action-client-secret';
    const { context, app } = createTenant({
      domain: this.domain,
      key: signingKey,
      bootstrapClient: { client_id: this.clientId, client_secret: this.clientSecret },
      // Tests exercise the rate limit with explicit faults, not by the pace they happen to run at.
      rateLimit: { rps: 100_000, burst: 100_000 },
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.context = context;
    this.users = context.store.users;
    this.#app = app;
  }

  /**
   * Creates each user with its own identity (and its connection, named after the provider, when the tenant has none
   * of that name), then adds any further identities as already linked.
   */
  seed(...users: ManagementUser[]): this {
    const { store } = this.context;
    for (const user of users) {
      const [own, ...linked] = user.identities ?? [];
      if (own === undefined) throw new Error(`seed user ${user.user_id} has no identity`);
      if (!store.connectionByName(own.connection))
        store.createConnection({ name: own.connection, strategy: own.provider });
      const { name } = user as { name?: string };
      const record = this.users.create({
        connection: own.connection,
        user_id: user.user_id,
        ...(user.email === undefined ? {} : { email: user.email }),
        email_verified: user.email_verified as boolean,
        ...(user.created_at === undefined ? {} : { created_at: user.created_at }),
        ...(user.blocked === undefined ? {} : { blocked: user.blocked }),
        ...(name === undefined ? {} : { name }),
        user_metadata: structuredClone(user.user_metadata ?? {}),
        app_metadata: structuredClone(user.app_metadata ?? {}),
      });
      if (user.last_login !== undefined) record.last_login = user.last_login;
      for (const identity of linked) {
        record.identities.push({ isSocial: false, ...identity, user_id: String(identity.user_id) });
      }
    }
    return this;
  }

  /** Appends one emulator fault rule per fault, each for one call to `route` (or `count` calls, maybe `Infinity`). */
  fail(route: RouteName | `${string} /${string}`, ...faults: Fault[]): this {
    const pattern = route in ROUTES ? ROUTES[route as RouteName] : route;
    const rules = faults.map((fault) => ({ count: 1, ...fault, route: pattern }));
    this.context.faults.set([...this.context.faults.list(), ...rules]);
    return this;
  }

  /** Runs `hook` before every request to `route` reaches the tenant: await in it to hold the request. */
  before(route: RouteName, hook: ((path: string) => Promise<void> | void) | undefined): this {
    return this.#hook(this.#before, route, hook);
  }

  /** Runs `hook` after every request to `route` is answered: another writer changing the user meanwhile. */
  after(route: RouteName, hook: ((path: string) => void) | undefined): this {
    return this.#hook(this.#after, route, hook);
  }

  /** Runs `effect` once, right after the next request to `route` is answered: a concurrent login's change. */
  afterNext(route: RouteName, effect: () => void): this {
    return this.after(route, () => {
      this.#after.delete(route);
      effect();
    });
  }

  #hook<Hook>(hooks: Map<RouteName, Hook>, route: RouteName, hook: Hook | undefined): this {
    if (hook === undefined) hooks.delete(route);
    else hooks.set(route, hook);
    return this;
  }

  callsTo(route?: RouteName): number {
    return this.calls.filter((call) => route === undefined || call.route === route).length;
  }

  managementCalls(): number {
    return this.calls.filter((call) => call.route !== 'token').length;
  }

  /** `globalThis.fetch` for this tenant's host: rejects as `fetch` does on abort and on a dropped connection. */
  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.host !== this.domain) throw new TypeError(`fetch failed: unknown host ${url.host}`);
    const route = routeOf(request.method, url.pathname);
    const path = decodeURIComponent(url.pathname);
    const text = await request.clone().text();
    this.calls.push({
      route,
      method: request.method,
      path: path + url.search,
      ...(text.startsWith('{') ? { body: JSON.parse(text) } : {}),
    });
    this.inFlight += 1;
    try {
      if (route !== 'other') await this.#before.get(route)?.(path);
      const response = await untilAborted(Promise.resolve(this.#app.fetch(request, {})), request.signal);
      if (response.status === DROPPED_STATUS) throw new TypeError('fetch failed: the connection was dropped');
      return response;
    } finally {
      this.inFlight -= 1;
      if (route !== 'other') this.#after.get(route)?.(path);
    }
  };
}

function routeOf(method: string, path: string): RouteName | 'other' {
  if (path === '/oauth/token') return 'token';
  if (path === '/api/v2/users-by-email') return 'users-by-email';
  if (!path.startsWith('/api/v2/users/')) return 'other';
  if (path.endsWith('/identities')) return 'link';
  if (path.includes('/identities/')) return 'unlink';
  return method === 'PATCH' ? 'patch-user' : 'get-user';
}

function untilAborted(answer: Promise<Response>, signal: AbortSignal): Promise<Response> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
