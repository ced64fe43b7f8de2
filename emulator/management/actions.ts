import { Hono } from 'hono';
import type { ActionDraft, BindingRef } from '../actions-registry.ts';
import { TRIGGERS } from '../actions-registry.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { badRequest, notFound } from '../errors.ts';
import { requireScope } from './auth.ts';
import { jsonBody, pageQuery } from './http.ts';
import { presentAction, presentBinding, presentVersion } from './present.ts';

/** `/actions/*`: Actions with a simulated build, deploys creating versions, triggers and their bindings. */
export function actionRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const registry = tenant.store.actions;

  app.get('/actions/modules', requireScope('read:actions'), (c) => {
    const { page, perPage } = pageQuery(c);
    return c.json({ modules: [], total: 0, page, per_page: perPage });
  });

  app.get('/actions/actions', requireScope('read:actions'), (c) => {
    const { page, perPage } = pageQuery(c);
    const name = c.req.query('actionName');
    const trigger = c.req.query('triggerId');
    const deployed = c.req.query('deployed');
    const matching = registry
      .list()
      .filter(
        (a) =>
          (!name || a.name === name) &&
          (!trigger || a.supported_triggers.some((t) => t.id === trigger)) &&
          (deployed === undefined || Boolean(a.deployed_version_id) === (deployed === 'true')),
      );
    const items = matching
      .slice(page * perPage, page * perPage + perPage)
      .map((a) => presentAction(registry, a));
    return c.json({ actions: items, total: matching.length, page, per_page: perPage });
  });

  app.get('/actions/actions/:id', requireScope('read:actions'), (c) =>
    c.json(presentAction(registry, registry.get(c.req.param('id')))),
  );

  app.post('/actions/actions', requireScope('create:actions'), async (c) => {
    const action = registry.create(actionDraft(await jsonBody(c)));
    return c.json(presentAction(registry, action), 201);
  });

  app.patch('/actions/actions/:id', requireScope('update:actions'), async (c) => {
    const action = registry.update(c.req.param('id'), actionDraft(await jsonBody(c)));
    return c.json(presentAction(registry, action));
  });

  app.delete('/actions/actions/:id', requireScope('delete:actions'), (c) => {
    registry.delete(c.req.param('id'), c.req.query('force') === 'true');
    return c.body(null, 204);
  });

  app.post('/actions/actions/:id/deploy', requireScope('create:actions', 'update:actions'), (c) => {
    const action = registry.get(c.req.param('id'));
    return c.json(presentVersion(registry.deploy(action.id), action));
  });

  app.get('/actions/actions/:id/versions', requireScope('read:actions'), (c) => {
    const { page, perPage } = pageQuery(c);
    const action = registry.get(c.req.param('id'));
    const versions = registry.versions(action.id);
    const items = versions
      .slice(page * perPage, page * perPage + perPage)
      .map((v) => presentVersion(v, action));
    return c.json({ versions: items, total: versions.length, page, per_page: perPage });
  });

  app.get('/actions/actions/:id/versions/:versionId', requireScope('read:actions'), (c) => {
    const action = registry.get(c.req.param('id'));
    return c.json(presentVersion(registry.version(action.id, c.req.param('versionId')), action));
  });

  app.get('/actions/triggers', requireScope('read:actions'), (c) =>
    c.json({
      triggers: TRIGGERS.map((id) => ({
        id,
        version: id === 'post-login' ? 'v3' : 'v2',
        status: 'CURRENT',
        runtimes: ['node18', 'node22'],
        default_runtime: 'node22',
        compatible_triggers: [],
      })),
    }),
  );

  app.get('/actions/triggers/:trigger/bindings', requireScope('read:actions'), (c) => {
    const { page, perPage } = pageQuery(c);
    const bindings = registry.bindings(knownTrigger(c.req.param('trigger')));
    const items = bindings
      .slice(page * perPage, page * perPage + perPage)
      .map((b) => presentBinding(registry, b));
    return c.json({ bindings: items, total: bindings.length, page, per_page: perPage });
  });

  app.patch('/actions/triggers/:trigger/bindings', requireScope('update:actions'), async (c) => {
    const trigger = knownTrigger(c.req.param('trigger'));
    const body = await jsonBody(c);
    if (!Array.isArray(body.bindings)) {
      throw badRequest("Payload validation error: 'Missing required property: bindings'.", 'invalid_body');
    }
    const bindings = registry.replaceBindings(trigger, body.bindings.map(bindingRef));
    return c.json({ bindings: bindings.map((b) => presentBinding(registry, b)) });
  });

  return app;
}

function knownTrigger(trigger: string): string {
  if (!(TRIGGERS as readonly string[]).includes(trigger))
    throw notFound(`The trigger '${trigger}' does not exist.`);
  return trigger;
}

function actionDraft(body: Record<string, unknown>): ActionDraft {
  const draft: ActionDraft = {};
  for (const field of ['name', 'code', 'runtime'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'string')
      throw badRequest(`Payload validation error: '${field}' must be a string.`, 'invalid_body');
    draft[field] = value;
  }
  if (body.dependencies !== undefined)
    draft.dependencies = arrayOf(body.dependencies, 'dependencies', ['name', 'version']);
  if (body.supported_triggers !== undefined) {
    draft.supported_triggers = arrayOf(body.supported_triggers, 'supported_triggers', ['id', 'version']);
  }
  if (body.secrets !== undefined) draft.secrets = arrayOf(body.secrets, 'secrets', ['name']);
  return draft;
}

function arrayOf<T>(value: unknown, field: string, required: string[]): T[] {
  if (!Array.isArray(value))
    throw badRequest(`Payload validation error: '${field}' must be an array.`, 'invalid_body');
  for (const item of value) {
    if (typeof item !== 'object' || item === null || required.some((key) => typeof item[key] !== 'string')) {
      throw badRequest(
        `Payload validation error: items of '${field}' need ${required.join(', ')}.`,
        'invalid_body',
      );
    }
  }
  return value as T[];
}

function bindingRef(value: unknown): BindingRef {
  const entry = value as { ref?: { type?: unknown; value?: unknown }; display_name?: unknown };
  const type = entry?.ref?.type;
  const ref = entry?.ref?.value;
  if ((type !== 'action_name' && type !== 'action_id') || typeof ref !== 'string') {
    throw badRequest(
      'Payload validation error: each binding needs ref {type: action_name|action_id, value}.',
      'invalid_body',
    );
  }
  return {
    ref: { type, value: ref },
    ...(typeof entry.display_name === 'string' ? { display_name: entry.display_name } : {}),
  };
}
