import { Hono } from 'hono';
import { constantTimeEqual } from '../core/constant-time.ts';
import type { TenantContext, TenantEnv } from './context.ts';
import { ApiError, badRequest } from './errors.ts';
import { validateFaultRules } from './faults.ts';
import { presentUser } from './management/present.ts';
import { hashPassword } from './passwords.ts';
import { DEFAULT_RATE_LIMIT } from './rate-limit.ts';
import { isRecord } from './store.ts';
import type { NewUser } from './user-directory.ts';

export const CONTROL_KEY_HEADER = 'x-control-key';

/** A seeded user: a new user plus, optionally, accounts already linked under it. */
export interface SeedUser extends Omit<NewUser, 'password_hash'> {
  password?: string;
  linked?: Array<Omit<NewUser, 'password_hash'> & { password?: string }>;
}

/**
 * Test control, off unless the tenant starts with `control: true`. It exists on no real tenant, so it takes no
 * Management token: every call must carry the tenant's random control key in `x-control-key`.
 */
export function controlRoutes(tenant: TenantContext, controlKey: string): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  app.use('*', async (c, next) => {
    if (!constantTimeEqual(c.req.header(CONTROL_KEY_HEADER) ?? '', controlKey)) {
      throw new ApiError(401, `Missing or wrong ${CONTROL_KEY_HEADER}`, 'invalid_control_key');
    }
    await next();
  });

  /** Body `{ all?: true }`: users, events, logs, faults and the rate limit always; with `all`, clients/actions too. */
  app.post('/reset', async (c) => {
    const body = await optionalJson(c.req.raw);
    if (isRecord(body) && body.all === true) tenant.store.seed();
    else tenant.store.users.clear();
    tenant.events.clear();
    tenant.passwordless.codes.clear();
    tenant.passwordless.outbox.clear();
    tenant.logs.clear();
    tenant.faults.set([]);
    tenant.rateLimit.configure(DEFAULT_RATE_LIMIT);
    return c.json({ ok: true });
  });

  app.post('/users', async (c) => {
    const body = await optionalJson(c.req.raw);
    const seeds = Array.isArray(body)
      ? body
      : isRecord(body) && Array.isArray(body.users)
        ? body.users
        : [body];
    const created = [];
    for (const seed of seeds) {
      if (!isRecord(seed) || typeof seed.connection !== 'string')
        throw badRequest('each user needs a "connection"');
      created.push(presentUser(await seedUser(tenant, seed as unknown as SeedUser)));
    }
    return c.json(created, 201);
  });

  app.get('/users', (c) => c.json(tenant.store.users.list().map(presentUser)));

  app.get('/events', (c) => {
    const type = c.req.query('type');
    const after = c.req.query('after');
    return c.json(
      tenant.events.list({ ...(type ? { type } : {}), ...(after ? { after: Number(after) } : {}) }),
    );
  });

  /** What the tenant would have emailed or texted (`?to=` one address or number), newest last. */
  app.get('/outbox', (c) => {
    const to = c.req.query('to');
    return c.json(tenant.passwordless.outbox.list(to === undefined ? {} : { to }));
  });

  app.get('/faults', (c) => c.json(tenant.faults.list()));

  app.put('/faults', async (c) => {
    try {
      tenant.faults.set(validateFaultRules(await optionalJson(c.req.raw)));
    } catch (error) {
      throw badRequest(error instanceof Error ? error.message : 'invalid faults');
    }
    return c.json(tenant.faults.list());
  });

  app.get('/rate-limit', (c) => c.json(tenant.rateLimit.config));

  app.put('/rate-limit', async (c) => {
    const body = await optionalJson(c.req.raw);
    try {
      if (!isRecord(body)) throw new TypeError('expected {"rps": number, "burst": number}');
      tenant.rateLimit.configure({ rps: Number(body.rps), burst: Number(body.burst) });
    } catch (error) {
      throw badRequest(error instanceof Error ? error.message : 'invalid rate limit');
    }
    return c.json(tenant.rateLimit.config);
  });

  app.get('/state', (c) => c.json(tenant.store.snapshot()));

  return app;
}

async function seedUser(tenant: TenantContext, seed: SeedUser) {
  const users = tenant.store.users;
  const { linked = [], password, ...rest } = seed;
  const primary = users.create({
    ...rest,
    ...(password ? { password_hash: await hashPassword(password) } : {}),
  });
  for (const secondarySeed of linked) {
    const { password: secondaryPassword, ...secondaryRest } = secondarySeed;
    const secondary = users.create({
      ...secondaryRest,
      ...(secondaryPassword ? { password_hash: await hashPassword(secondaryPassword) } : {}),
    });
    const own = secondary.identities[0];
    if (own) users.link(primary.user_id, { provider: own.provider, user_id: own.user_id });
  }
  return users.get(primary.user_id) ?? primary;
}

async function optionalJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Invalid JSON body');
  }
}
