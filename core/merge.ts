import type { Metadata } from './users.ts';

/** All the merge reads of a user: the Action, the web app and the backfill each pass their own user type. */
export interface MetadataHolder {
  readonly user_metadata?: Readonly<Metadata>;
  readonly app_metadata?: Readonly<Metadata>;
}

export interface MetadataPatch {
  user_metadata?: Metadata;
  app_metadata?: Metadata;
}

/**
 * What the primary must receive from the secondary before linking (Auth0 drops the secondary's metadata).
 * Only keys that change are returned, and nothing at all when nothing changes: Auth0 reads an empty
 * `user_metadata: {}` as "delete it all" (auth0/rules issue 206).
 */
export function planMetadataMerge(
  primary: MetadataHolder,
  secondary: MetadataHolder,
  appMetadataKeys: readonly string[],
): MetadataPatch | undefined {
  const patch: MetadataPatch = {};
  const userMetadata = missingKeys(
    primary.user_metadata,
    secondary.user_metadata,
    Object.keys(secondary.user_metadata ?? {}),
  );
  if (userMetadata !== undefined) patch.user_metadata = userMetadata;
  const appMetadata = missingKeys(primary.app_metadata, secondary.app_metadata, appMetadataKeys);
  if (appMetadata !== undefined) patch.app_metadata = appMetadata;
  return patch.user_metadata === undefined && patch.app_metadata === undefined ? undefined : patch;
}

function missingKeys(
  target: Readonly<Metadata> | undefined,
  source: Readonly<Metadata> | undefined,
  keys: readonly string[],
): Metadata | undefined {
  const copied: Metadata = {};
  for (const key of keys) {
    const value = source?.[key];
    if (value === undefined || value === null || (target !== undefined && key in target)) continue;
    copied[key] = value;
  }
  return Object.keys(copied).length > 0 ? copied : undefined;
}
