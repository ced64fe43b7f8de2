import { ManagementApiError } from '../../../core/management-client.ts';
import type { ManagementUser, Metadata } from '../../../core/users.ts';
import { splitUserId } from '../../../core/users.ts';
import type { CommandIo } from '../../../scripts/backfill/commands.ts';
import type { BackfillPort } from '../../../scripts/backfill/management.ts';

/** Run inside a call before it takes effect: throw to fail the call, await to hold it. */
/** The backfill's environment for a tenant of this kind. */
export const BACKFILL_ENV = Object.freeze({
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_CLIENT_ID: 'id',
  AUTH0_CLIENT_SECRET: 'secret',
  AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication,google-oauth2',
});

/** Command output nobody reads. */
export const silentIo: CommandIo = { out: () => undefined, err: { write: () => true } };

export interface FakeTenantHooks {
  beforeLink?: (primaryId: string, secondaryId: string) => Promise<void> | void;
  beforeUnlink?: (primaryId: string, secondaryId: string) => Promise<void> | void;
  beforePatch?: (userId: string) => Promise<void> | void;
  /** Run after a read has been answered: another writer (the Action, the web app) changing the user meanwhile. */
  afterGetUser?: ((userId: string, tenant: FakeTenant) => void) | undefined;
}

/**
 * The Management API as the backfill sees it, in memory and as Auth0 behaves: a PATCH replaces each first-level
 * metadata key (`null` deletes it, an empty object deletes them all, a field name holding `.` or `$` is refused
 * with 400); a link moves the secondary's identity into the primary and drops the secondary's metadata; an unlink
 * gives the secondary back with none.
 */
export class FakeTenant {
  readonly users = new Map<string, ManagementUser>();
  hooks: FakeTenantHooks = {};
  /** Calls started and not yet answered. */
  inFlight = 0;

  constructor(users: readonly ManagementUser[]) {
    for (const user of users) this.users.set(user.user_id, structuredClone(user));
  }

  user(userId: string): ManagementUser | undefined {
    const user = this.users.get(userId);
    return user === undefined ? undefined : structuredClone(user);
  }

  /** The identities (`provider|id`) linked into `primaryId`. */
  linkedInto(primaryId: string): string[] {
    return (this.users.get(primaryId)?.identities ?? []).slice(1).map((i) => `${i.provider}|${i.user_id}`);
  }

  readonly port: BackfillPort = {
    getUser: (userId) =>
      this.#call(async () => {
        const user = this.user(userId);
        this.hooks.afterGetUser?.(userId, this);
        return user;
      }),
    patchUser: (userId, patch) =>
      this.#call(async () => {
        await this.hooks.beforePatch?.(userId);
        const user = this.#existing(userId, 'PATCH /users/{id}');
        if (holdsReservedKey(patch))
          throw new ManagementApiError('PATCH /users/{id} failed with 400: Fields with "." are not allowed', {
            status: 400,
          });
        if (patch.user_metadata !== undefined)
          user.user_metadata = merge(user.user_metadata, patch.user_metadata);
        if (patch.app_metadata !== undefined)
          user.app_metadata = merge(user.app_metadata, patch.app_metadata);
      }),
    link: (primaryId, secondaryId) =>
      this.#call(async () => {
        await this.hooks.beforeLink?.(primaryId, secondaryId);
        const primary = this.#existing(primaryId, 'POST /users/{id}/identities');
        if (this.linkedInto(primaryId).includes(secondaryId)) return 'already-linked';
        const secondary = this.users.get(secondaryId);
        if (secondary === undefined)
          throw new ManagementApiError('POST /users/{id}/identities failed with 400', { status: 400 });
        const identity = secondary.identities?.[0];
        if (identity === undefined) throw new Error(`fake user ${secondaryId} has no identity`);
        primary.identities = [
          ...(primary.identities ?? []),
          { ...identity, ...(secondary.email ? { profileData: { email: secondary.email } } : {}) },
        ];
        this.users.delete(secondaryId);
        return 'linked';
      }),
    unlink: (primaryId, secondaryId) =>
      this.#call(async () => {
        await this.hooks.beforeUnlink?.(primaryId, secondaryId);
        const primary = this.#existing(primaryId, 'DELETE /users/{id}/identities/{provider}/{user_id}');
        const { provider, user_id } = splitUserId(secondaryId);
        const identity = primary.identities?.find(
          (i, index) => index > 0 && i.provider === provider && String(i.user_id) === user_id,
        );
        if (identity === undefined) return;
        primary.identities = primary.identities?.filter((i) => i !== identity) ?? [];
        const email = identity.profileData?.email;
        this.users.set(secondaryId, {
          user_id: secondaryId,
          ...(typeof email === 'string' ? { email, email_verified: true } : {}),
          identities: [{ provider, user_id, connection: identity.connection }],
          user_metadata: {},
          app_metadata: {},
        });
      }),
    startUserExport: () => Promise.reject(new Error('the fake tenant has no export job')),
    exportJob: () => Promise.reject(new Error('the fake tenant has no export job')),
    listUsers: () => Promise.reject(new Error('the fake tenant does not list users')),
  };

  async #call<T>(body: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await body();
    } finally {
      this.inFlight -= 1;
    }
  }

  #existing(userId: string, what: string): ManagementUser {
    const user = this.users.get(userId);
    if (user === undefined) throw new ManagementApiError(`${what} failed with 404`, { status: 404 });
    return user;
  }
}

/** Auth0 refuses metadata field names holding `.` or `$` at any depth. */
function holdsReservedKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsReservedKey);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, nested]) => /[.$]/.test(key) || holdsReservedKey(nested));
}

/** As Auth0: first-level keys replaced, `null` deletes one, and an empty object deletes them all. */
function merge(current: Metadata | undefined, patch: Metadata): Metadata {
  if (Object.keys(patch).length === 0) return {};
  const merged: Metadata = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(structuredClone(patch))) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
