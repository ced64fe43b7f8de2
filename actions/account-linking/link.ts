import type { Config } from '../../core/config.ts';
import { type LinkHow, patchPrimaryBeforeLink } from '../../core/link-record.ts';
import { planMetadataMerge } from '../../core/merge.ts';
import { loginInFlight } from '../../core/policy.ts';
import type { ManagementUser } from '../../core/users.ts';
import type { ManagementPort } from './management.ts';

export type LinkResult = 'linked' | 'already-linked' | 'deferred';

export interface LinkOptions {
  /**
   * Call the link off (`deferred`) when the secondary, another account than the one logging in, logged in within
   * `LOGIN_IN_FLIGHT_MS`: its own login may be under way and would end with a code for a user that no longer
   * exists. Its own Action links it instead, switching to the primary as it does.
   */
  deferInFlightSecondary: boolean;
  now: () => number;
  /** How the link came about, for the link record an undo restores from. */
  record: LinkHow;
}

/** Stops the port's attempts at the link; never leaves this module. */
class SecondaryLoginInFlight extends Error {}

/**
 * Merge (with the link record and the secondary's declines, in the same PATCH), then link: if the link fails after
 * the merge, the primary simply holds copies of the secondary's metadata and a record the next login writes again;
 * a link before the merge would lose the metadata. A deferred secondary is read again right before every link attempt, so a login
 * that starts while this one merges or waits out a 429 is seen.
 */
export async function linkAccounts(
  port: ManagementPort,
  primary: ManagementUser,
  secondary: ManagementUser,
  config: Config,
  options: LinkOptions,
): Promise<LinkResult> {
  const { deferInFlightSecondary, now } = options;
  if (deferInFlightSecondary && loginInFlight(secondary, now())) return 'deferred';
  await patchPrimaryBeforeLink(port, primary, secondary, options.record, (current) =>
    planMetadataMerge(current, secondary, config.mergeAppMetadataKeys),
  );
  const recheck = async () => {
    const fresh = await port.getUser(secondary.user_id);
    if (fresh !== undefined && loginInFlight(fresh, now())) throw new SecondaryLoginInFlight();
  };
  try {
    return await port.linkIdentity(
      primary.user_id,
      secondary.user_id,
      deferInFlightSecondary ? recheck : undefined,
    );
  } catch (error) {
    if (error instanceof SecondaryLoginInFlight) return 'deferred';
    throw error;
  }
}
