import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { BoundAction } from '../../../emulator/actions-registry.ts';
import { ActionCache } from '../../../emulator/actions-runtime/cache.ts';
import { type ActionRunEvent, EventLog, tailActionLogs } from '../../../emulator/events.ts';
import { PostLoginPipeline } from '../../../emulator/pipeline/run-trigger.ts';
import { ACTION_BUNDLE, buildAction } from '../../../scripts/build-action.ts';
import { InProcessTenant } from '../../support/in-process-tenant.ts';
import { makePostLoginEvent } from '../../support/post-login-event.ts';
import { makeUser } from '../../support/users.ts';

function bound(name: string, code: string, extra: Partial<BoundAction> = {}): BoundAction {
  return {
    binding_id: `bnd_${name}`,
    action_id: `act_${name}`,
    name,
    version_id: `ver_${name}`,
    version_number: 1,
    code,
    runtime: 'node22',
    dependencies: [],
    secrets: {},
    ...extra,
  };
}

function pipeline(actions: BoundAction[], options: { timeoutMs?: number } = {}) {
  const events: ActionRunEvent[] = [];
  const runner = new PostLoginPipeline({
    trigger: 'post-login',
    bound: () => actions,
    cache: new ActionCache(),
    record: (event) => events.push(event),
    ...options,
  });
  return { runner, events };
}

const event = makePostLoginEvent();

describe('post-login pipeline', () => {
  it('runs the bound Actions in order and accumulates their metadata and claims', async () => {
    const { runner } = pipeline([
      bound(
        'first',
        `exports.onExecutePostLogin = async (e, api) => { api.user.setAppMetadata('order', ['first']); };`,
      ),
      bound(
        'second',
        `exports.onExecutePostLogin = async (e, api) => { api.user.setAppMetadata('order', ['first', 'second']); api.idToken.setCustomClaim('https://x/y', 1); };`,
      ),
    ]);
    expect(await runner.run({ event, phase: 'execute' })).toMatchObject({
      status: 'completed',
      changes: { appMetadata: { order: ['first', 'second'] }, idTokenClaims: { 'https://x/y': 1 } },
    });
  });

  it('reuses a module instance across executions of one version, and loads it afresh once it is bound again', async () => {
    const counting = `let runs = 0; exports.onExecutePostLogin = async (e, api) => { api.idToken.setCustomClaim('https://x/runs', ++runs); };`;
    const actions = [bound('counter', counting, { version_id: 'ver_1' })];
    const { runner } = pipeline(actions);
    const runs = async () => {
      const result = await runner.run({ event, phase: 'execute' });
      return result.status === 'completed' ? result.changes.idTokenClaims['https://x/runs'] : result.status;
    };
    expect([await runs(), await runs()]).toEqual([1, 2]);
    actions[0] = bound('counter', counting, { version_id: 'ver_2' });
    expect(await runs()).toBe(1);
    actions[0] = bound('counter', counting, { version_id: 'ver_1' });
    expect(await runs()).toBe(1);
  });

  it('stops at a deny and runs no later Action', async () => {
    const { runner, events } = pipeline([
      bound('deny', `exports.onExecutePostLogin = async (e, api) => { api.access.deny('not today'); };`),
      bound('later', `exports.onExecutePostLogin = async () => { console.log('ran'); };`),
    ]);
    expect(await runner.run({ event, phase: 'execute' })).toEqual({
      status: 'failed',
      error: 'access_denied',
      description: 'not today',
    });
    expect(events.map((run) => run.action)).toEqual(['deny']);
  });

  it('suspends at a redirect and resumes in the same Action, then runs the rest', async () => {
    const { runner, events } = pipeline([
      bound(
        'redirecting',
        `
        exports.onExecutePostLogin = async (e, api) => { api.redirect.sendUserTo('https://consent.example/page', { query: { a: '1' } }); };
        exports.onContinuePostLogin = async (e, api) => { api.user.setAppMetadata('consented', true); };`,
      ),
      bound(
        'after',
        `exports.onExecutePostLogin = async (e, api) => { api.user.setAppMetadata('after', true); };`,
      ),
    ]);
    const suspended = await runner.run({ event, phase: 'execute' });
    expect(suspended).toMatchObject({
      status: 'redirect',
      url: 'https://consent.example/page?a=1',
      actionIndex: 0,
    });
    if (suspended.status !== 'redirect') return;
    const resumed = await runner.run({
      event,
      phase: 'continue',
      fromIndex: suspended.actionIndex,
      changes: suspended.changes,
    });
    expect(resumed).toMatchObject({
      status: 'completed',
      changes: { appMetadata: { consented: true, after: true } },
    });
    expect(events.map((run) => `${run.action}:${run.phase}`)).toEqual([
      'redirecting:execute',
      'redirecting:continue',
      'after:execute',
    ]);
  });

  it('lets Actions require Node built-ins but not undeclared packages', async () => {
    const { runner } = pipeline([
      bound(
        'builtin',
        `const crypto = require('node:crypto'); exports.onExecutePostLogin = async () => { crypto.randomUUID(); };`,
      ),
    ]);
    expect((await runner.run({ event, phase: 'execute' })).status).toBe('completed');
    const undeclared = pipeline([
      bound('pkg', `const jose = require('jose'); exports.onExecutePostLogin = async () => {};`),
    ]);
    expect(await undeclared.runner.run({ event, phase: 'execute' })).toMatchObject({
      status: 'failed',
      error: 'server_error',
      description: expect.stringMatching(/Cannot find module 'jose'/),
    });
  });

  it('runs module scope once per deployed version, not per execution', async () => {
    const code = `globalThis.__loads = (globalThis.__loads ?? 0) + 1; exports.onExecutePostLogin = async (e, api) => { api.user.setAppMetadata('loads', globalThis.__loads); };`;
    const { runner } = pipeline([bound('counted', code)]);
    await runner.run({ event, phase: 'execute' });
    expect(await runner.run({ event, phase: 'execute' })).toMatchObject({
      changes: { appMetadata: { loads: 1 } },
    });
  });

  it('fails the login when an execution exceeds its time limit', async () => {
    const { runner, events } = pipeline(
      [bound('slow', `exports.onExecutePostLogin = () => new Promise(() => {});`)],
      { timeoutMs: 50 },
    );
    expect(await runner.run({ event, phase: 'execute' })).toMatchObject({
      status: 'failed',
      error: 'server_error',
    });
    expect(events[0]?.error?.message).toMatch(/Time Exceeded/);
  });

  it('records each console line of an execution, cut at 256 characters', async () => {
    const { runner, events } = pipeline([
      bound(
        'chatty',
        `exports.onExecutePostLogin = async () => { console.log('x'.repeat(300)); console.log('done', { ok: true }); };`,
      ),
    ]);
    await runner.run({ event, phase: 'execute' });
    expect(events[0]?.logs).toEqual(['x'.repeat(256), 'done {"ok":true}']);
  });

  it('runs the built account-linking Action and links a trusted duplicate', async () => {
    await buildAction();
    const fake = new InProcessTenant().seed(
      makeUser('auth0|old', { created_at: '2020-01-01T00:00:00.000Z' }),
      makeUser('google-oauth2|1', { created_at: '2025-01-01T00:00:00.000Z' }),
    );
    const secrets = {
      AUTH0_DOMAIN: fake.domain,
      AUTH0_CLIENT_ID: fake.clientId,
      AUTH0_CLIENT_SECRET: fake.clientSecret,
      AUTO_LINK_CONNECTIONS: '*',
    };
    const { runner, events } = pipeline([
      bound('account-linking', await readFile(ACTION_BUNDLE, 'utf8'), { secrets }),
    ]);
    const login = makePostLoginEvent({
      user: {
        user_id: 'google-oauth2|1',
        email: 'alice@example.com',
        email_verified: true,
        created_at: '2025-01-01T00:00:00.000Z',
      },
    });
    const originalFetch = globalThis.fetch;
    globalThis.fetch = fake.fetch;
    try {
      expect(await runner.run({ event: login, phase: 'execute' })).toMatchObject({
        status: 'completed',
        changes: { primaryUserId: 'auth0|old' },
      });
    } finally {
      globalThis.fetch = originalFetch;
    }
    expect(events[0]?.logs.at(-1)).toMatch(/^account-linking \{"decision":"linked"/);
  });
});

/** The pipeline as the tenant runs it, recording into a real EventLog that a terminal tails. */
function tailedPipeline(actions: BoundAction[]) {
  const events = new EventLog(() => 0);
  const terminal: string[] = [];
  const stop = tailActionLogs(events, (line) => terminal.push(line));
  const runner = new PostLoginPipeline({
    trigger: 'post-login',
    bound: () => actions,
    cache: new ActionCache(),
    record: (event) => events.record(event),
  });
  return { runner, terminal, stop, events };
}

describe('Action console lines on the terminal', () => {
  it("prints each Action's console lines in order, prefixed with its name", async () => {
    const { runner, terminal } = tailedPipeline([
      bound(
        'account-linking',
        `exports.onExecutePostLogin = async () => { console.log('one'); console.warn({ n: 2 }); };`,
      ),
      bound('other', `exports.onExecutePostLogin = async () => { console.info('three'); };`),
    ]);
    await runner.run({ event: makePostLoginEvent(), phase: 'execute' });

    expect(terminal).toEqual(['[account-linking] one', '[account-linking] {"n":2}', '[other] three']);
  });

  it('prints why an Action failed after its lines', async () => {
    const { runner, terminal } = tailedPipeline([
      bound(
        'broken',
        `exports.onExecutePostLogin = async () => { console.log('before'); throw new Error('boom'); };`,
      ),
    ]);
    await runner.run({ event: makePostLoginEvent(), phase: 'execute' });

    expect(terminal).toEqual(['[broken] before', '[broken] failed: boom']);
  });

  it('prints nothing for other events, and nothing once unsubscribed', async () => {
    const { runner, terminal, stop, events } = tailedPipeline([
      bound('quiet', `exports.onExecutePostLogin = async () => { console.log('after stop'); };`),
    ]);
    events.record({
      type: 'fault',
      route: '* /api/v2/*',
      method: 'GET',
      path: '/api/v2/users',
      effect: 'status',
    });
    stop();
    await runner.run({ event: makePostLoginEvent(), phase: 'execute' });

    expect(terminal).toEqual([]);
  });
});
