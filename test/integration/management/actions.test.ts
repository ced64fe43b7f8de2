import type { ManagementClient } from 'auth0';
import { describe, expect, it } from 'vitest';
import type { TestTenant } from '../../support/tenant.ts';
import { rejectionOf, useManagedTenant } from './helpers.ts';

const BUILD_MS = 200;
let tenant: TestTenant;
let management: ManagementClient;

useManagedTenant(
  (t, m) => {
    [tenant, management] = [t, m];
  },
  { actionBuildMs: BUILD_MS, reset: { all: true } },
);

const built = () => new Promise((resolve) => setTimeout(resolve, BUILD_MS + 20));

function createAction(name: string, code = 'exports.onExecutePostLogin = async () => {};') {
  return management.actions.create({
    name,
    code,
    runtime: 'node22',
    dependencies: [],
    secrets: [{ name: 'KEY', value: 'v1' }],
    supported_triggers: [{ id: 'post-login', version: 'v3' }],
  });
}

describe('Actions', () => {
  it('builds, refuses a deploy while building, then deploys new versions on each call', async () => {
    const action = await createAction('first');
    expect(action.status).toBe('building');
    const early = await rejectionOf(management.actions.deploy(action.id!));
    expect(early.statusCode).toBe(400);
    expect(early.body).toMatchObject({
      message: "An action must be in the 'built' state before it can be deployed.",
    });
    await built();
    expect((await management.actions.get(action.id!)).status).toBe('built');
    expect((await management.actions.deploy(action.id!)).number).toBe(1);
    expect((await management.actions.deploy(action.id!)).number).toBe(2);
    const versions = await management.actions.versions.list(action.id!);
    expect(versions.data.map((v) => v.number)).toEqual([2, 1]);
    const fetched = await management.actions.get(action.id!);
    expect(fetched.deployed_version?.number).toBe(2);
    expect(fetched.secrets).toEqual([{ name: 'KEY', updated_at: expect.any(String) }]);
  });

  it('rejects a deploy of code over 100 kB', async () => {
    const action = await createAction(
      'big',
      `exports.onExecutePostLogin = async () => {};\n//${'x'.repeat(100 * 1024)}`,
    );
    await built();
    const error = await rejectionOf(management.actions.deploy(action.id!));
    expect(error.statusCode).toBe(400);
    expect(error.body).toMatchObject({ errorCode: 'action_code_too_large' });
  });

  it('lists actions wrapped with totals and replaces post-login bindings wholesale, in order', async () => {
    const one = await createAction('one');
    const two = await createAction('two');
    await built();
    await management.actions.deploy(one.id!);
    await management.actions.deploy(two.id!);
    const listed = await management.actions.list({ page: 0, per_page: 100 });
    expect(listed.data.map((a) => a.name)).toEqual(['one', 'two']);

    await management.actions.triggers.bindings.updateMany('post-login', {
      bindings: [
        { ref: { type: 'action_name', value: 'two' }, display_name: 'two' },
        { ref: { type: 'action_id', value: one.id! }, display_name: 'one' },
      ],
    });
    const bindings = await management.actions.triggers.bindings.list('post-login');
    expect(bindings.data.map((b) => b.action?.name)).toEqual(['two', 'one']);
    const revision = tenant.context.store.actions.revision;
    expect(tenant.context.store.actions.boundActions('post-login').map((a) => [a.name, a.secrets])).toEqual([
      ['two', { KEY: 'v1' }],
      ['one', { KEY: 'v1' }],
    ]);

    await management.actions.update(one.id!, { secrets: [{ name: 'KEY', value: 'v2' }] });
    expect(tenant.context.store.actions.revision).toBe(revision);
    await built();
    await management.actions.deploy(one.id!);
    expect(tenant.context.store.actions.revision).toBeGreaterThan(revision);
    expect(tenant.context.store.actions.boundActions('post-login')[1]?.secrets).toEqual({ KEY: 'v2' });
  });

  it('refuses to bind an action that was never deployed', async () => {
    await createAction('draft');
    const error = await rejectionOf(
      management.actions.triggers.bindings.updateMany('post-login', {
        bindings: [{ ref: { type: 'action_name', value: 'draft' } }],
      }),
    );
    expect(error.statusCode).toBe(400);
  });
});
