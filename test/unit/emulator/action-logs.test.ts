import { describe, expect, it } from 'vitest';
import type { BoundAction } from '../../../emulator/actions-registry.ts';
import { ActionCache } from '../../../emulator/actions-runtime/cache.ts';
import { EventLog, tailActionLogs } from '../../../emulator/events.ts';
import { PostLoginPipeline } from '../../../emulator/pipeline/run-trigger.ts';
import { makePostLoginEvent } from '../../support/post-login-event.ts';

function bound(name: string, code: string): BoundAction {
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
  };
}

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
