import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Event, PostLoginAPI } from '../../../actions/types/post-login.ts';
import { createPostLoginApi } from '../../../emulator/actions-runtime/api.ts';
import { ACTION_CODE_LIMIT_BYTES, buildAction } from '../../../scripts/build-action.ts';
import { InProcessTenant } from '../../support/in-process-tenant.ts';
import { makePostLoginEvent } from '../../support/post-login-event.ts';
import { makeUser } from '../../support/users.ts';
import { secrets } from './harness.ts';

type Handler = (event: Event, api: PostLoginAPI) => Promise<void>;

describe('the built bundle', async () => {
  const outfile = path.join(await mkdtemp(path.join(tmpdir(), 'action-bundle-')), 'account-linking.js');
  const size = await buildAction(outfile);
  const code = await readFile(outfile, 'utf8');

  it("fits the 30 kB budget, far inside Auth0's 100 kB limit", () => {
    expect(size).toBeLessThanOrEqual(30 * 1024);
    expect(size).toBeLessThan(ACTION_CODE_LIMIT_BYTES);
  });

  it('does not reference its source map from the deployed code', () => {
    expect(code).not.toContain('sourceMappingURL');
  });

  it('links accounts when required as CommonJS, as Auth0 loads it', async () => {
    const action = createRequire(import.meta.url)(outfile) as {
      onExecutePostLogin: Handler;
      onContinuePostLogin: Handler;
    };
    expect(typeof action.onContinuePostLogin).toBe('function');
    const fake = new InProcessTenant().seed(
      makeUser('auth0|old', { created_at: '2020-01-01T00:00:00.000Z' }),
      makeUser('google-oauth2|1', { created_at: '2025-01-01T00:00:00.000Z' }),
    );
    const event = makePostLoginEvent({
      user: {
        user_id: 'google-oauth2|1',
        email: 'alice@example.com',
        email_verified: true,
        created_at: '2025-01-01T00:00:00.000Z',
      },
      secrets: secrets(fake),
    });
    const { api, outcome } = createPostLoginApi({ event, phase: 'execute' });
    const originalFetch = globalThis.fetch;
    globalThis.fetch = fake.fetch;
    try {
      await action.onExecutePostLogin(event, api);
    } finally {
      globalThis.fetch = originalFetch;
    }
    expect(outcome.primaryUserId).toBe('auth0|old');
  });
});
