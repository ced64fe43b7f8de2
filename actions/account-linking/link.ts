import type { Config } from '../../core/config.ts';
import { planMetadataMerge } from '../../core/merge.ts';
import type { ManagementUser } from '../../core/users.ts';
import type { ManagementPort } from './management.ts';

export type LinkResult = 'linked' | 'already-linked';

/**
 * Merge, then link: if the link fails after the merge, the primary simply holds copies of the secondary's
 * metadata and the next login links again (the merge is idempotent); a link before the merge would lose it.
 */
export async function linkAccounts(
  port: ManagementPort,
  primary: ManagementUser,
  secondary: ManagementUser,
  config: Config,
): Promise<LinkResult> {
  const patch = planMetadataMerge(primary, secondary, config.mergeAppMetadataKeys);
  if (patch !== undefined) await port.patchUser(primary.user_id, patch);
  return port.linkIdentity(primary.user_id, secondary.user_id);
}
