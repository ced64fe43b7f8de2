export type Metadata = Record<string, unknown>;

export interface ManagementIdentity {
  connection: string;
  provider: string;
  /** Provider-local id: may itself contain `|` (`samlp|acme|jdoe` has the identity id `acme|jdoe`). */
  user_id: string | number;
  isSocial?: boolean;
  profileData?: Record<string, unknown>;
}

/** A user as the Management API returns it (and as the Action sees `event.user`). */
export interface ManagementUser {
  user_id: string;
  email?: string;
  email_verified?: unknown;
  blocked?: boolean;
  created_at?: string;
  /**
   * Recorded when a login authenticates, with `logins_count`, which Auth0 counts before the post-login Actions run
   * (https://community.auth0.com/t/how-logins-count-work/91318); an SSO login records neither.
   */
  last_login?: string;
  identities?: ManagementIdentity[];
  user_metadata?: Metadata;
  app_metadata?: Metadata;
}

export interface IdentityRef {
  provider: string;
  user_id: string;
}

/** Splits `provider|local-id` on the first `|` only. */
export function splitUserId(userId: string): IdentityRef {
  const bar = userId.indexOf('|');
  if (bar <= 0 || bar === userId.length - 1) return { provider: '', user_id: userId };
  return { provider: userId.slice(0, bar), user_id: userId.slice(bar + 1) };
}

/** Whether `identities` holds the identity `ref` (Auth0 may answer a numeric provider-local id). */
export function holdsIdentityRef(
  identities: readonly ManagementIdentity[] | undefined,
  ref: IdentityRef,
): boolean {
  return (identities ?? []).some(
    (identity) => identity.provider === ref.provider && String(identity.user_id) === ref.user_id,
  );
}

export function primaryConnection(user: ManagementUser): string | undefined {
  return user.identities?.[0]?.connection;
}
