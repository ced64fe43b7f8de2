import { describe, expect, it } from 'vitest';
import type { TenantContext } from '../../../emulator/context.ts';
import { EXPORT_PROCESSING_MS, UserExportJobs } from '../../../emulator/management/jobs.ts';

/** The parts of a tenant an export job reads: no users, a clock the test moves. */
function tenantAt(clock: { now: number }): TenantContext {
  return {
    domain: 'localhost:8443',
    issuer: 'https://localhost:8443/',
    now: () => clock.now,
    store: { users: { list: () => [] }, listConnections: () => [] },
  } as unknown as TenantContext;
}

describe('the local tenant’s export jobs', () => {
  it('keeps a finished export downloadable for ten minutes, then drops it', () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const jobs = new UserExportJobs(tenantAt(clock));
    const first = jobs.create({ format: 'json' });
    clock.now += EXPORT_PROCESSING_MS + 9 * 60_000;
    jobs.create({ format: 'json' });
    expect(jobs.get(first.id)).toBeDefined();
    clock.now += 60_000;
    jobs.create({ format: 'json' });
    expect(jobs.get(first.id)).toBeUndefined();
  });
});
