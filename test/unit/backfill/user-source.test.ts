import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ManagementUser } from '../../../core/users.ts';
import { BackfillError } from '../../../scripts/backfill/errors.ts';
import type { BackfillPort } from '../../../scripts/backfill/management.ts';
import { LISTING_CAP, readNdjson, readTenantUsers } from '../../../scripts/backfill/user-source.ts';
import { rejectionBy } from '../../support/thrown.ts';
import { makeUser } from '../../support/users.ts';

/** A tenant without the export job, listing `total` users a page at a time. */
function listingOnly(total: number): BackfillPort & { pagesRead: number[] } {
  const users = Array.from({ length: total }, (_, i) => makeUser(`auth0|${i}`));
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
    const error = await rejectionBy(
      BackfillError,
      readTenantUsers(port, (user) => delivered.push(user)),
    );
    expect(error.code).toBe('export_failed');
    expect(port.pagesRead).toEqual([0]);
    expect(delivered).toEqual([]);
  });

  it('points to --from-export, not to a scope: listing is reached only when the tenant has no export job', async () => {
    const { message } = await rejectionBy(BackfillError, readAll(listingOnly(LISTING_CAP + 1)));
    expect(message).toContain('--from-export');
    expect(message).not.toContain('grant read:users');
  });
});

describe('readNdjson', () => {
  /** `text` as a stream of byte chunks `size` long: lines and UTF-8 characters cut anywhere. */
  const chunked = (text: string, size: number) => {
    const bytes = Buffer.from(text);
    return Readable.from(
      Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
        bytes.subarray(i * size, (i + 1) * size),
      ),
    );
  };
  const text =
    '{"user_id":"auth0|1","email":"jürgen@x.com"}\r\n\r\n{"user_id":"auth0|2"}\n{"user_id":"auth0|3"}';

  it.each([1, 2, 7, 1000])(
    'reads every user whole from chunks of %i bytes, CRLF and blank lines too',
    async (size) => {
      const users: unknown[] = [];
      await readNdjson(chunked(text, size), false, (user) => users.push(user));
      expect(users).toEqual([
        { user_id: 'auth0|1', email: 'jürgen@x.com' },
        { user_id: 'auth0|2' },
        { user_id: 'auth0|3' },
      ]);
    },
  );

  it('names the line that is not JSON, counting blank lines', async () => {
    const error = await readNdjson(chunked(`${text}\n{"user_id":`, 5), false, () => undefined).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'invalid_export',
      message: expect.stringContaining('export line 5:'),
    });
  });
});
