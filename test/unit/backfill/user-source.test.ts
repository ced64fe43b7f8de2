import { describe, expect, it } from 'vitest';
import type { ManagementUser } from '../../../core/users.ts';
import { BackfillError } from '../../../scripts/backfill/errors.ts';
import type { BackfillPort } from '../../../scripts/backfill/management.ts';
import { LISTING_CAP, readTenantUsers } from '../../../scripts/backfill/user-source.ts';
import { managementUser } from '../../support/fake-management.ts';

/** A tenant without the export job, listing `total` users a page at a time. */
function listingOnly(total: number): BackfillPort & { pagesRead: number[] } {
  const users = Array.from({ length: total }, (_, i) => managementUser(`auth0|${i}`));
  const pagesRead: number[] = [];
  return {
    pagesRead,
    startUserExport: async () => undefined,
    listUsers: async (page: number, perPage: number) => {
      pagesRead.push(page);
      return { users: users.slice(page * perPage, (page + 1) * perPage), total };
    },
  } as unknown as BackfillPort & { pagesRead: number[] };
}

async function readAll(port: BackfillPort): Promise<ManagementUser[]> {
  const seen: ManagementUser[] = [];
  await readTenantUsers(port, (user) => seen.push(user as ManagementUser));
  return seen;
}

describe('reading users by paged listing', () => {
  it('reads a tenant of exactly the listing cap without asking for a page past it', async () => {
    const port = listingOnly(LISTING_CAP);
    expect(await readAll(port)).toHaveLength(LISTING_CAP);
    expect(Math.max(...port.pagesRead)).toBe(LISTING_CAP / 100 - 1);
  });

  it('stops after the first page, delivering no user, when the tenant holds more users than paging can reach', async () => {
    const port = listingOnly(LISTING_CAP + 1);
    const delivered: unknown[] = [];
    const error = await readTenantUsers(port, (user) => delivered.push(user)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackfillError);
    expect(error).toMatchObject({ code: 'export_failed' });
    expect(port.pagesRead).toEqual([0]);
    expect(delivered).toEqual([]);
  });

  it('points to --from-export, not to a scope: listing is reached only when the tenant has no export job', async () => {
    const error = await readAll(listingOnly(LISTING_CAP + 1)).catch((e: unknown) => e);
    expect((error as BackfillError).message).toContain('--from-export');
    expect((error as BackfillError).message).not.toContain('grant read:users');
  });
});
