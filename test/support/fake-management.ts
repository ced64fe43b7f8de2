import { type ManagementUser, splitUserId } from '../../core/users.ts';

/** What one request to a route answers instead of the normal response. */
export type Fault =
  | { status: number; headers?: Record<string, string> }
  | { malformed: true }
  | { hang: true };

export type RouteName = 'token' | 'users-by-email' | 'get-user' | 'patch-user' | 'link';

/**
 * A small stateful Management API behind `fetch`, faithful where the Action depends on it:
 * users-by-email exact and case-sensitive, PATCH merging metadata one level deep, linking removing the
 * secondary as a user. Faults are scripted per route and consumed in order.
 */
export class FakeManagementApi {
  readonly users = new Map<string, ManagementUser>();
  readonly calls: { route: RouteName; method: string; path: string }[] = [];
  private readonly faults = new Map<RouteName, Fault[]>();
  private readonly effects = new Map<RouteName, () => void>();
  private tokenCount = 0;

  readonly domain: string;

  constructor(domain = 'tenant.example.com') {
    this.domain = domain;
  }

  seed(...users: ManagementUser[]): this {
    for (const user of users) this.users.set(user.user_id, structuredClone(user));
    return this;
  }

  failNext(route: RouteName, ...faults: Fault[]): this {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...faults]);
    return this;
  }

  /** Runs `effect` once, right after the next request to `route` is answered: a concurrent login's change. */
  afterNext(route: RouteName, effect: () => void): this {
    this.effects.set(route, effect);
    return this;
  }

  callsTo(route?: RouteName): number {
    return this.calls.filter((call) => route === undefined || call.route === route).length;
  }

  managementCalls(): number {
    return this.calls.filter((call) => call.route !== 'token').length;
  }

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.host !== this.domain) throw new TypeError(`fetch failed: unknown host ${url.host}`);
    const method = init?.method ?? 'GET';
    const route = routeOf(method, url.pathname);
    this.calls.push({ route, method, path: url.pathname + url.search });
    const fault = this.faults.get(route)?.shift();
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const answer =
      fault === undefined
        ? this.handle(route, url, body)
        : await this.answerFault(fault, init?.signal ?? undefined);
    const effect = this.effects.get(route);
    this.effects.delete(route);
    effect?.();
    return answer;
  };

  private answerFault(fault: Fault, signal: AbortSignal | undefined): Promise<Response> {
    if ('hang' in fault) {
      return new Promise((_, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
      });
    }
    if ('malformed' in fault) {
      return Promise.resolve(
        new Response('{"user_id": ', { status: 200, headers: { 'content-type': 'application/json' } }),
      );
    }
    return Promise.resolve(
      json(fault.status, { statusCode: fault.status, error: 'Fault', message: 'injected' }, fault.headers),
    );
  }

  private handle(route: RouteName, url: URL, body: Record<string, unknown> | undefined): Response {
    const id = decodeURIComponent(url.pathname.split('/')[4] ?? '');
    switch (route) {
      case 'token':
        this.tokenCount++;
        return json(200, {
          access_token: `token-${this.tokenCount}`,
          expires_in: 86400,
          token_type: 'Bearer',
        });
      case 'users-by-email': {
        const email = url.searchParams.get('email');
        return json(
          200,
          [...this.users.values()].filter((user) => user.email === email),
        );
      }
      case 'get-user': {
        const user = this.users.get(id);
        return user === undefined ? notFound() : json(200, user);
      }
      case 'patch-user': {
        const user = this.users.get(id);
        if (user === undefined) return notFound();
        for (const key of ['user_metadata', 'app_metadata'] as const) {
          const patch = body?.[key] as Record<string, unknown> | undefined;
          if (patch !== undefined) user[key] = { ...user[key], ...patch };
        }
        return json(200, user);
      }
      case 'link':
        return this.link(id, body as { provider: string; user_id: string });
    }
  }

  private link(primaryId: string, ref: { provider: string; user_id: string }): Response {
    const primary = this.users.get(primaryId);
    const secondary = this.users.get(`${ref.provider}|${ref.user_id}`);
    if (primary === undefined) return notFound();
    if (secondary === undefined) {
      const held = primary.identities?.some(
        (i) => i.provider === ref.provider && String(i.user_id) === ref.user_id,
      );
      return held ? json(409, { statusCode: 409, error: 'Conflict', message: 'already linked' }) : notFound();
    }
    const [identity] = secondary.identities ?? [];
    if (identity === undefined)
      return json(400, { statusCode: 400, error: 'Bad Request', message: 'no identity' });
    primary.identities = [
      ...(primary.identities ?? []),
      { ...identity, profileData: { email: secondary.email } },
    ];
    this.users.delete(secondary.user_id);
    return json(201, primary.identities);
  }
}

function routeOf(method: string, path: string): RouteName {
  if (path === '/oauth/token') return 'token';
  if (path === '/api/v2/users-by-email') return 'users-by-email';
  if (path.endsWith('/identities')) return 'link';
  return method === 'PATCH' ? 'patch-user' : 'get-user';
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function notFound(): Response {
  return json(404, {
    statusCode: 404,
    error: 'Not Found',
    message: 'The user does not exist.',
    errorCode: 'inexistent_user',
  });
}

/** A Management API user with one identity, derived from its `provider|id` user id. */
export function managementUser(
  userId: string,
  overrides: Partial<ManagementUser> & { connection?: string } = {},
): ManagementUser {
  const { provider, user_id } = splitUserId(userId);
  const { connection, ...rest } = overrides;
  return {
    user_id: userId,
    email: 'alice@example.com',
    email_verified: true,
    created_at: '2024-01-01T00:00:00.000Z',
    identities: [
      {
        provider,
        user_id,
        connection: connection ?? (provider === 'auth0' ? 'Username-Password-Authentication' : provider),
        isSocial: provider !== 'auth0',
      },
    ],
    user_metadata: {},
    app_metadata: {},
    ...rest,
  };
}

/** `user` also holding a linked identity whose profile carries `email` (a possible "trojan" identity). */
export function withLinkedIdentity(
  user: ManagementUser,
  identity: { provider: string; user_id: string; connection: string },
  email: string,
): ManagementUser {
  return { ...user, identities: [...(user.identities ?? []), { ...identity, profileData: { email } }] };
}
