import { type Management, ManagementError } from 'auth0';
import {
  createManagementSdk,
  ManagementApiError,
  toManagementApiError,
} from '../../core/management-client.ts';
import type { Metadata } from '../../core/users.ts';
import { holdsIdentityRef, type ManagementUser, splitUserId } from '../../core/users.ts';
import { pacedFetch, RequestPacer, type RequestStats } from './rate.ts';

/** The Management API as the backfill and unlink use it: one adapter over the `auth0` SDK. */
export interface BackfillPort {
  getUser(userId: string): Promise<ManagementUser | undefined>;
  patchUser(userId: string, patch: { user_metadata?: Metadata; app_metadata?: Metadata }): Promise<void>;
  /** `already-linked` when the primary already holds the identity (a login linked it meanwhile). */
  link(primaryId: string, secondaryId: string): Promise<'linked' | 'already-linked'>;
  unlink(primaryId: string, secondaryId: string): Promise<void>;
  /** Starts a bulk export job (NDJSON); resolves its id, or `undefined` when the tenant has no such job (404/501). */
  startUserExport(fields: readonly string[]): Promise<string | undefined>;
  exportJob(jobId: string): Promise<{ status: string; location?: string }>;
  /** One page of `GET /users` with `include_totals`: the users and how many the tenant holds in all. */
  listUsers(
    page: number,
    perPage: number,
    fields: readonly string[],
  ): Promise<{ users: ManagementUser[]; total: number }>;
}

export interface PortOptions {
  domain: string;
  clientId: string;
  clientSecret: string;
  maxRps: number;
  stats: RequestStats;
  /** Per-request timeout (the SDK's); default 30 s. */
  timeoutSeconds?: number;
  backoffMs?: number;
  /** Under the pacing; tests pass a stub. */
  fetch?: typeof globalThis.fetch;
}

export function createBackfillPort(options: PortOptions): BackfillPort {
  const management = createManagementSdk({
    domain: options.domain,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    timeoutSeconds: options.timeoutSeconds ?? 30,
    // Retries happen in pacedFetch, where the rate limit is known.
    fetch: pacedFetch({
      pacer: new RequestPacer({ maxRps: options.maxRps }),
      stats: options.stats,
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    }),
  });

  async function getUser(userId: string): Promise<ManagementUser | undefined> {
    try {
      return (await management.users.get(userId)) as unknown as ManagementUser;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toManagementApiError(error, 'GET /users/{id}', 'read:users');
    }
  }

  return {
    getUser,
    async patchUser(userId, patch) {
      try {
        await management.users.update(userId, patch);
      } catch (error) {
        throw toManagementApiError(error, 'PATCH /users/{id}', 'update:users');
      }
    },
    async link(primaryId, secondaryId) {
      const secondary = splitUserId(secondaryId);
      try {
        await management.users.identities.link(primaryId, {
          provider: secondary.provider as Management.UserIdentityProviderEnum,
          user_id: secondary.user_id,
        });
        return 'linked';
      } catch (error) {
        const status = statusOf(error);
        if (status === 400 || status === 409) {
          const primary = await getUser(primaryId);
          if (primary !== undefined && holdsIdentityRef(primary.identities, secondary))
            return 'already-linked';
        }
        throw toManagementApiError(error, 'POST /users/{id}/identities', 'update:users');
      }
    },
    async unlink(primaryId, secondaryId) {
      const secondary = splitUserId(secondaryId);
      try {
        await management.users.identities.delete(
          primaryId,
          secondary.provider as Management.UserIdentityProviderEnum,
          secondary.user_id,
        );
      } catch (error) {
        throw toManagementApiError(
          error,
          'DELETE /users/{id}/identities/{provider}/{user_id}',
          'update:users',
        );
      }
    },
    async startUserExport(fields) {
      try {
        const job = await management.jobs.usersExports.create({
          format: 'json',
          fields: fields.map((name) => ({ name })),
        });
        return job.id;
      } catch (error) {
        const status = statusOf(error);
        // A tenant without the export job: the caller falls back to paged listing. Not on 403: listing needs the
        // same read:users, so a credential refused here would be refused there too; stop and name the scope.
        if (status === 404 || status === 501) return undefined;
        throw toManagementApiError(error, 'POST /jobs/users-exports', 'read:users');
      }
    },
    async exportJob(jobId) {
      try {
        const job = await management.jobs.get(jobId);
        return { status: job.status, ...(job.location ? { location: job.location } : {}) };
      } catch (error) {
        throw toManagementApiError(error, 'GET /jobs/{id}', 'read:users');
      }
    },
    async listUsers(page, perPage, fields) {
      let result: Awaited<ReturnType<typeof management.users.list>>;
      try {
        result = await management.users.list({
          page,
          per_page: perPage,
          include_totals: true,
          fields: fields.join(','),
          include_fields: true,
        });
      } catch (error) {
        throw toManagementApiError(error, 'GET /users', 'read:users');
      }
      // The SDK's page: `data` holds the users, `response` the raw body with `total`. Paging stops by `total`
      // (and refuses a tenant past the listing cap by it): without it the read could end early or never.
      const { total } = (result.response ?? {}) as { total?: unknown };
      if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
        throw new ManagementApiError(
          'GET /users answered without a usable "total" (include_totals=true): cannot tell how many users to read',
          { status: 200 },
        );
      }
      return { users: result.data as unknown as ManagementUser[], total };
    },
  };
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ManagementError ? error.statusCode : undefined;
}
