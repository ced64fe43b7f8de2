import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { SeedUser } from '../../emulator/control.ts';
import { CONTROL_KEY_HEADER } from '../../emulator/control.ts';
import type { TenantEvent } from '../../emulator/events.ts';
import type { FaultRule } from '../../emulator/faults.ts';
import { type RunningTenant, startTenant, type TenantOptions } from '../../emulator/index.ts';
import type { OutboxMessage } from '../../emulator/passwordless/outbox.ts';
import type { RateLimitConfig } from '../../emulator/rate-limit.ts';

export type { FaultRule, OutboxMessage, RateLimitConfig, SeedUser, TenantEvent };

/** A Management API user as the control API returns it. */
export interface ControlUser {
  user_id: string;
  email?: string;
  email_verified: boolean;
  identities: Array<{
    connection: string;
    provider: string;
    user_id: string;
    isSocial: boolean;
    profileData?: Record<string, unknown>;
  }>;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
  blocked?: boolean;
  created_at: string;
  [field: string]: unknown;
}

export interface ControlClient {
  reset(options?: { all?: boolean }): Promise<void>;
  seedUsers(users: SeedUser[]): Promise<ControlUser[]>;
  users(): Promise<ControlUser[]>;
  events(filter?: { type?: string; after?: number }): Promise<TenantEvent[]>;
  setFaults(rules: FaultRule[]): Promise<void>;
  setRateLimit(config: RateLimitConfig): Promise<void>;
  /** What the tenant would have emailed or texted (to `to` only, when given), newest last. */
  outbox(to?: string): Promise<OutboxMessage[]>;
}

export interface TestTenant extends RunningTenant {
  controlKey: string;
  control: ControlClient;
}

/** An in-process tenant on a random port with the control API on. Call `close()` in `afterAll`. */
export async function startTestTenant(
  options: Omit<TenantOptions, 'control' | 'port'> = {},
): Promise<TestTenant> {
  const tenant = await startTenant({ actionBuildMs: 50, ...options, port: 0, control: true });
  if (!tenant.controlKey) throw new Error('the tenant started without a control key');
  return { ...tenant, controlKey: tenant.controlKey, control: controlClient(tenant.url, tenant.controlKey) };
}

/**
 * The test file's tenant: started before its tests (then handed to `started`), closed after them, and reset before
 * each test unless `reset` is false.
 */
export function useTestTenant(
  started: (tenant: TestTenant) => void | Promise<void>,
  options: Omit<TenantOptions, 'control' | 'port'> & { reset?: { all?: boolean } | false } = {},
): void {
  const { reset = {}, ...tenantOptions } = options;
  let tenant: TestTenant | undefined;
  beforeAll(async () => {
    tenant = await startTestTenant(tenantOptions);
    await started(tenant);
  });
  afterAll(async () => {
    await tenant?.close();
  });
  if (reset !== false) {
    beforeEach(async () => {
      await tenant?.control.reset(reset);
    });
  }
}

export function controlClient(baseUrl: string, controlKey: string): ControlClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}/__control${path}`, {
      method,
      headers: {
        [CONTROL_KEY_HEADER]: controlKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${method} ${path} failed: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    async reset(options) {
      await call('POST', '/reset', options ?? {});
    },
    seedUsers: (users) => call('POST', '/users', { users }),
    users: () => call('GET', '/users'),
    events(filter = {}) {
      const query = new URLSearchParams();
      if (filter.type) query.set('type', filter.type);
      if (filter.after !== undefined) query.set('after', String(filter.after));
      return call('GET', `/events${query.size ? `?${query}` : ''}`);
    },
    async setFaults(rules) {
      await call('PUT', '/faults', rules);
    },
    async setRateLimit(config) {
      await call('PUT', '/rate-limit', config);
    },
    outbox: (to) => call('GET', `/outbox${to === undefined ? '' : `?${new URLSearchParams({ to })}`}`),
  };
}
