import type { Identity } from '../actions/types/post-login.ts';
import type { Metadata } from '../core/users.ts';
import { type ConnectionRecord, connectionProfile } from './connections.ts';
import { ApiError, badRequest, conflict, inexistentUser } from './errors.ts';
import { databaseUserId, numericUserId } from './ids.ts';

/** The profile a user (and a linked identity's `profileData`) carries besides its email. */
export interface UserProfile {
  name?: string;
  nickname?: string;
  picture?: string;
  given_name?: string;
  family_name?: string;
  /** SMS (passwordless) users: E.164 number and whether a code sent to it was entered. */
  phone_number?: string;
  phone_verified?: boolean;
}

export interface UserRecord extends UserProfile {
  user_id: string;
  email?: string;
  email_verified: boolean;
  identities: Identity[];
  app_metadata: Metadata;
  user_metadata: Metadata;
  blocked?: boolean;
  created_at: string;
  updated_at: string;
  last_login?: string;
  last_ip?: string;
  logins_count: number;
}

export interface NewUser extends UserProfile {
  connection: string;
  /** Provider-local id (`abc`), or the full id (`auth0|abc`); generated when absent. */
  user_id?: string;
  email?: string;
  email_verified?: boolean;
  password_hash?: string;
  app_metadata?: Metadata;
  user_metadata?: Metadata;
  blocked?: boolean;
  created_at?: string;
}

export interface UserPatch extends Omit<UserProfile, 'phone_number'> {
  email?: string;
  email_verified?: boolean;
  blocked?: boolean;
  password_hash?: string;
  app_metadata?: Metadata | null;
  user_metadata?: Metadata | null;
}

export interface SecondaryRef {
  provider: string;
  user_id: string;
  connection_id?: string;
}

export interface UserDirectoryState {
  users: UserRecord[];
  passwords: Record<string, string>;
}

/** The text fields of a user's profile that `POST`/`PATCH /users` take. */
export const NAME_FIELDS = ['email', 'name', 'nickname', 'picture', 'given_name', 'family_name'] as const;

/** Profile fields a linked identity keeps in `profileData` and gets back when unlinked. */
const TEXT_PROFILE_FIELDS = [...NAME_FIELDS, 'phone_number'] as const;
const PROFILE_FIELDS = [...TEXT_PROFILE_FIELDS, 'email_verified', 'phone_verified'] as const;

/**
 * Users with Auth0's identity model: `user_id === identities[0].provider + '|' + identities[0].user_id`; a linked
 * secondary lives only inside its primary's `identities` (with `profileData`) and is no user of its own.
 */
export class UserDirectory {
  readonly #users = new Map<string, UserRecord>();
  /** Password hashes by full identity id; they outlive linking so a linked database identity can still log in. */
  readonly #passwords = new Map<string, string>();
  readonly #now: () => number;
  readonly #connection: (name: string) => ConnectionRecord | undefined;
  readonly #changed: () => void;

  constructor(options: {
    now: () => number;
    connection: (name: string) => ConnectionRecord | undefined;
    changed: () => void;
  }) {
    this.#now = options.now;
    this.#connection = options.connection;
    this.#changed = options.changed;
  }

  list(): UserRecord[] {
    return [...this.#users.values()];
  }

  get(userId: string): UserRecord | undefined {
    return this.#users.get(userId);
  }

  /** Exact, case-sensitive match on the primary email, as Auth0's `users-by-email`. */
  byEmail(email: string): UserRecord[] {
    return this.list().filter((user) => user.email === email);
  }

  /** The user holding an identity (its own or a linked one), e.g. to log in through a linked secondary. */
  findIdentity(
    provider: string,
    providerUserId: string,
  ): { user: UserRecord; identity: Identity } | undefined {
    for (const user of this.#users.values()) {
      const identity = user.identities.find((i) => i.provider === provider && i.user_id === providerUserId);
      if (identity) return { user, identity };
    }
    return undefined;
  }

  /** The identity of `connection` whose email is `email` (database logins search by lower-cased email). */
  findByConnectionEmail(
    connection: string,
    email: string,
  ): { user: UserRecord; identity: Identity } | undefined {
    return this.#findByProfile(connection, 'email', email);
  }

  /** The `sms` identity holding `phone`, its own user's or a linked one's. */
  findByPhone(connection: string, phone: string): { user: UserRecord; identity: Identity } | undefined {
    return this.#findByProfile(connection, 'phone_number', phone);
  }

  #findByProfile(
    connection: string,
    field: 'email' | 'phone_number',
    value: string,
  ): { user: UserRecord; identity: Identity } | undefined {
    for (const user of this.#users.values()) {
      for (const [index, identity] of user.identities.entries()) {
        if (identity.connection !== connection) continue;
        const own = index === 0 ? user[field] : identity.profileData?.[field];
        if (own === value) return { user, identity };
      }
    }
    return undefined;
  }

  passwordHash(identity: Pick<Identity, 'provider' | 'user_id'>): string | undefined {
    return this.#passwords.get(`${identity.provider}|${identity.user_id}`);
  }

  create(input: NewUser): UserRecord {
    const connection = this.#connection(input.connection);
    if (!connection) throw badRequest('The connection does not exist.', 'inexistent_connection');
    const profile = connectionProfile(connection);
    const localId = this.#localId(input.user_id, profile.provider, profile.userIdPrefix, profile.hexUserIds);
    const userId = `${profile.provider}|${localId}`;
    if (this.#users.has(userId) || this.findIdentity(profile.provider, localId)) {
      throw conflict('The user already exists.', 'auth0_idp_error');
    }
    const email =
      input.email === undefined
        ? undefined
        : profile.lowercasesEmail
          ? input.email.toLowerCase()
          : input.email;
    if (profile.isDatabase && email !== undefined && this.findByConnectionEmail(connection.name, email)) {
      throw conflict('The user already exists.', 'auth0_idp_error');
    }
    const at = new Date(this.#now()).toISOString();
    const user: UserRecord = {
      user_id: userId,
      email_verified: input.email_verified ?? false,
      identities: [
        {
          connection: connection.name,
          provider: profile.provider,
          user_id: localId,
          isSocial: profile.isSocial,
        },
      ],
      app_metadata: { ...(input.app_metadata ?? {}) },
      user_metadata: { ...(input.user_metadata ?? {}) },
      created_at: input.created_at ?? at,
      updated_at: at,
      logins_count: 0,
    };
    if (email !== undefined) user.email = email;
    user.name = input.name ?? email ?? input.phone_number ?? localId;
    user.nickname =
      input.nickname ?? (email ? email.split('@')[0] : undefined) ?? input.phone_number ?? localId;
    if (input.picture !== undefined) user.picture = input.picture;
    if (input.given_name !== undefined) user.given_name = input.given_name;
    if (input.family_name !== undefined) user.family_name = input.family_name;
    if (input.blocked !== undefined) user.blocked = input.blocked;
    if (input.phone_number !== undefined) user.phone_number = input.phone_number;
    if (input.phone_verified !== undefined) user.phone_verified = input.phone_verified;
    this.#users.set(userId, user);
    if (input.password_hash !== undefined) this.#passwords.set(userId, input.password_hash);
    this.#changed();
    return user;
  }

  update(userId: string, patch: UserPatch): UserRecord {
    const user = this.#require(userId);
    const own = user.identities[0];
    const lowercases = own ? connectionProfile(this.#connectionOf(own)).lowercasesEmail : false;
    for (const field of ['name', 'nickname', 'picture', 'given_name', 'family_name'] as const) {
      const value = patch[field];
      if (value !== undefined) user[field] = value;
    }
    if (patch.email !== undefined) user.email = lowercases ? patch.email.toLowerCase() : patch.email;
    if (patch.email_verified !== undefined) user.email_verified = patch.email_verified;
    if (patch.blocked !== undefined) user.blocked = patch.blocked;
    if (patch.phone_verified !== undefined) user.phone_verified = patch.phone_verified;
    if (patch.password_hash !== undefined) this.#passwords.set(userId, patch.password_hash);
    if (patch.app_metadata !== undefined)
      user.app_metadata = mergeMetadata(user.app_metadata, patch.app_metadata);
    if (patch.user_metadata !== undefined)
      user.user_metadata = mergeMetadata(user.user_metadata, patch.user_metadata);
    user.updated_at = new Date(this.#now()).toISOString();
    this.#changed();
    return user;
  }

  recordLogin(userId: string, ip?: string): UserRecord {
    const user = this.#require(userId);
    user.logins_count += 1;
    user.last_login = new Date(this.#now()).toISOString();
    if (ip !== undefined) user.last_ip = ip;
    this.#changed();
    return user;
  }

  delete(userId: string): void {
    const user = this.#require(userId);
    for (const identity of user.identities)
      this.#passwords.delete(`${identity.provider}|${identity.user_id}`);
    this.#users.delete(userId);
    this.#changed();
  }

  /** `POST /users/{primary}/identities`: the secondary stops being a user and its metadata is dropped. */
  link(primaryId: string, secondary: SecondaryRef): Identity[] {
    const secondaryId = this.#resolveSecondaryId(secondary);
    if (secondaryId === primaryId)
      throw badRequest('Main identity and the new one are the same.', 'invalid_body');
    const primary = this.#users.get(primaryId);
    if (!primary) {
      if (this.#linkedOwner(primaryId)) {
        throw conflict(
          'The primary account is linked as a secondary identity of another user.',
          'identity_conflict',
        );
      }
      throw inexistentUser();
    }
    const secondaryUser = this.#users.get(secondaryId);
    if (!secondaryUser) {
      if (this.#linkedOwner(secondaryId)) {
        throw conflict('The identity is already linked to a user.', 'identity_conflict');
      }
      throw inexistentUser();
    }
    if (secondaryUser.identities.length > 1) {
      throw badRequest('The secondary account has linked identities and cannot be linked.', 'invalid_body');
    }
    const own = secondaryUser.identities[0];
    if (!own) throw badRequest('The secondary account has no identity.', 'invalid_body');
    if (secondary.connection_id !== undefined && this.#connectionOf(own).id !== secondary.connection_id) {
      throw badRequest('The provider/connection is not configured.', 'inexistent_connection');
    }
    primary.identities.push({ ...own, profileData: profileDataOf(secondaryUser) });
    primary.updated_at = new Date(this.#now()).toISOString();
    this.#users.delete(secondaryId);
    this.#changed();
    return primary.identities;
  }

  /** `DELETE /users/{primary}/identities/{provider}/{id}`: the identity comes back as a user without metadata. */
  unlink(primaryId: string, provider: string, providerUserId: string): Identity[] {
    const primary = this.#require(primaryId);
    const index = primary.identities.findIndex(
      (i) => i.provider === provider && i.user_id === providerUserId,
    );
    if (index === 0) throw badRequest('Main identity cannot be removed.', 'invalid_body');
    const identity = primary.identities[index];
    if (index < 0 || !identity)
      throw badRequest('The identity is not linked to this user.', 'inexistent_identity');
    primary.identities.splice(index, 1);
    const at = new Date(this.#now()).toISOString();
    const { profileData = {}, ...ownIdentity } = identity;
    const restored: UserRecord = {
      user_id: `${identity.provider}|${identity.user_id}`,
      email_verified: profileData.email_verified === true,
      identities: [ownIdentity],
      app_metadata: {},
      user_metadata: {},
      created_at: at,
      updated_at: at,
      logins_count: 0,
    };
    for (const field of TEXT_PROFILE_FIELDS) {
      const value = profileData[field];
      if (typeof value === 'string') restored[field] = value;
    }
    if (typeof profileData.phone_verified === 'boolean') restored.phone_verified = profileData.phone_verified;
    primary.updated_at = at;
    this.#users.set(restored.user_id, restored);
    this.#changed();
    return primary.identities;
  }

  clear(): void {
    this.#users.clear();
    this.#passwords.clear();
    this.#changed();
  }

  state(): UserDirectoryState {
    return { users: this.list(), passwords: Object.fromEntries(this.#passwords) };
  }

  restore(state: UserDirectoryState): void {
    this.#users.clear();
    this.#passwords.clear();
    for (const user of state.users) this.#users.set(user.user_id, user);
    for (const [id, hash] of Object.entries(state.passwords)) this.#passwords.set(id, hash);
  }

  #require(userId: string): UserRecord {
    const user = this.#users.get(userId);
    if (!user) throw inexistentUser();
    return user;
  }

  #connectionOf(identity: Identity): ConnectionRecord {
    const connection = this.#connection(identity.connection);
    if (!connection) throw new ApiError(400, 'The connection does not exist.', 'inexistent_connection');
    return connection;
  }

  #linkedOwner(fullId: string): UserRecord | undefined {
    for (const user of this.#users.values()) {
      if (user.identities.slice(1).some((i) => `${i.provider}|${i.user_id}` === fullId)) return user;
    }
    return undefined;
  }

  /**
   * Real Actions send both the provider-local id (`acme|jdoe` for provider `samlp`) and the prefixed one
   * (`samlp|acme|jdoe`); only the provider prefix is stripped, since local ids may contain `|` themselves.
   */
  #resolveSecondaryId(secondary: SecondaryRef): string {
    const plain = `${secondary.provider}|${secondary.user_id}`;
    if (this.#users.has(plain) || this.#linkedOwner(plain)) return plain;
    if (secondary.user_id.startsWith(`${secondary.provider}|`)) return secondary.user_id;
    return plain;
  }

  #localId(given: string | undefined, provider: string, prefix: string, hexIds: boolean): string {
    if (given === undefined || given === '') return prefix + (hexIds ? databaseUserId() : numericUserId());
    const local = given.startsWith(`${provider}|`) ? given.slice(provider.length + 1) : given;
    return prefix && !local.startsWith(prefix) ? prefix + local : local;
  }
}

/** Auth0's first-level merge: `null` deletes a key, an empty object deletes everything, nested objects are replaced. */
export function mergeMetadata(current: Metadata, patch: Metadata | null): Metadata {
  if (patch === null || Object.keys(patch).length === 0) return {};
  const merged: Metadata = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function profileDataOf(user: UserRecord): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of PROFILE_FIELDS) {
    const value = user[field];
    if (value !== undefined) data[field] = value;
  }
  return data;
}
