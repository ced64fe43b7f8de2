import {
  createManagementSdk,
  ManagementApiError,
  retryingFetch,
  toManagementApiError,
} from '../core/management-client.ts';
import type { MetadataPatch } from '../core/merge.ts';
import { holdsIdentityRef, type Metadata, splitUserId } from '../core/users.ts';
import type { WebConfig } from './config.ts';

export interface UserIdentity {
  readonly provider: string;
  readonly user_id: string;
  readonly connection: string;
  readonly isSocial?: boolean;
  readonly profileData?: Readonly<Record<string, unknown>>;
}

export interface ManagedUser {
  readonly user_id: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly picture?: string;
  readonly created_at?: string;
  readonly blocked?: boolean;
  readonly identities: readonly UserIdentity[];
  readonly user_metadata?: Readonly<Metadata>;
  readonly app_metadata?: Readonly<Metadata>;
}

/** The Management API operations the web app needs (the Action has its own small port: bundle size). */
export interface WebManagementPort {
  getUser(userId: string): Promise<ManagedUser>;
  /** `GET /api/v2/users-by-email`: exact and case-sensitive, as Auth0's. */
  usersByEmail(email: string): Promise<ManagedUser[]>;
  /**
   * The user holding `userId` as a linked identity (the primary it was linked into), by user search
   * (`identities.user_id`); undefined when none does.
   */
  userWithIdentity(userId: string): Promise<ManagedUser | undefined>;
  updateUser(userId: string, patch: MetadataPatch): Promise<void>;
  linkIdentity(primaryUserId: string, secondary: { provider: string; user_id: string }): Promise<void>;
  unlinkIdentity(primaryUserId: string, provider: string, identityUserId: string): Promise<void>;
  /** A connection's options and the client ids it is enabled for; undefined when the tenant has no such connection. */
  findConnection(connectionName: string): Promise<ConnectionSettings | undefined>;
}

export interface ConnectionSettings {
  readonly options: Readonly<Record<string, unknown>>;
  readonly enabledClients: readonly string[];
}

const MANAGEMENT_TIMEOUT_SECONDS = 10;

/**
 * `token`: a shared token cache (the server's readiness probe uses the same one), default the SDK's own; `fetch`: what
 * the retries go through (tests pass the in-process tenant's).
 */
export function createWebManagementClient(
  config: WebConfig,
  options: { token?: () => Promise<string>; fetch?: typeof globalThis.fetch } = {},
): WebManagementPort {
  const { token } = options;
  const management = createManagementSdk({
    domain: config.auth0Domain,
    clientId: config.webClient.clientId,
    clientSecret: config.webClient.clientSecret,
    ...(token === undefined ? {} : { token }),
    timeoutSeconds: MANAGEMENT_TIMEOUT_SECONDS,
    // A person is waiting: one retry, after at most two seconds.
    fetch: retryingFetch({
      maxAttempts: 2,
      maxWaitMs: 2_000,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    }),
  });
  return {
    async getUser(userId) {
      const user = await call('GET /users/{id}', 'read:users', () => management.users.get(userId));
      return toManagedUser(user as unknown as Record<string, unknown>);
    },
    async usersByEmail(email) {
      const users = await call('GET /users-by-email', 'read:users', () =>
        management.users.listUsersByEmail({ email }),
      );
      return users.map((user) => toManagedUser(user as unknown as Record<string, unknown>));
    },
    async userWithIdentity(userId) {
      const ref = splitUserId(userId);
      // A quoted Lucene term: an id that would need escaping is no identity this app gave a session to.
      if (/["\\]/.test(ref.user_id)) return undefined;
      const found = await call('GET /users', 'read:users', () =>
        management.users.list({ q: `identities.user_id:"${ref.user_id}"`, search_engine: 'v3' }),
      );
      return found.data
        .map((user) => toManagedUser(user as unknown as Record<string, unknown>))
        .find((user) => holdsIdentityRef(user.identities, ref));
    },
    async updateUser(userId, patch) {
      await call('PATCH /users/{id}', 'update:users', () => management.users.update(userId, patch));
    },
    async linkIdentity(primaryUserId, secondary) {
      await call('POST /users/{id}/identities', 'update:users', () =>
        management.users.identities.link(primaryUserId, {
          provider: secondary.provider as never,
          user_id: secondary.user_id,
        }),
      );
    },
    async unlinkIdentity(primaryUserId, provider, identityUserId) {
      await call('DELETE /users/{id}/identities/{provider}/{user_id}', 'update:users', () =>
        management.users.identities.delete(primaryUserId, provider as never, identityUserId),
      );
    },
    async findConnection(connectionName) {
      const connections = await call('GET /connections', 'read:connections', () =>
        management.connections.list({ name: connectionName }),
      );
      const connection = connections.data.find((entry) => entry.name === connectionName);
      if (connection?.id === undefined) return undefined;
      const { id, options = {} } = connection;
      const clients = await call('GET /connections/{id}/clients', 'read:connections', () =>
        management.connections.clients.get(id),
      );
      return { options, enabledClients: clients.data.map((client) => client.client_id) };
    },
  };
}

async function call<T>(what: string, scope: string, request: () => PromiseLike<T>): Promise<T> {
  try {
    return await request();
  } catch (cause) {
    throw toManagementApiError(cause, what, scope);
  }
}

/**
 * What a failed Management call means to the person waiting, which picks the page or notice they see: `unreachable`
 * only when no answer came (network failure, timeout), `server_error` when the tenant answered 5xx.
 */
export type ManagementFailure =
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'server_error'
  | 'refused'
  | 'unreachable';

export function managementFailure(error: unknown): ManagementFailure {
  return failureOfStatus(error instanceof ManagementApiError ? error.status : undefined);
}

/** The same rule for any call to the tenant: `status` is the HTTP status it answered with, undefined if none came. */
export function failureOfStatus(status: number | undefined): ManagementFailure {
  if (status === undefined) return 'unreachable';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'refused';
}

function toManagedUser(raw: Record<string, unknown>): ManagedUser {
  const identities = Array.isArray(raw.identities) ? raw.identities : [];
  return {
    ...(raw as Partial<ManagedUser>),
    user_id: String(raw.user_id),
    identities: identities.map((identity: Record<string, unknown>) => ({
      provider: String(identity.provider),
      user_id: String(identity.user_id),
      connection: String(identity.connection),
      isSocial: identity.isSocial === true,
      ...(typeof identity.profileData === 'object' && identity.profileData !== null
        ? { profileData: identity.profileData as Record<string, unknown> }
        : {}),
    })),
  };
}
