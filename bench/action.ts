import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { onExecutePostLogin } from '../actions/account-linking/index.ts';
import { createPostLoginApi } from '../emulator/actions-runtime/api.ts';
import { ActionCache } from '../emulator/actions-runtime/cache.ts';
import { ACTION_BUILD_OPTIONS, ACTION_BUNDLE, buildAction } from '../scripts/build-action.ts';
import { InProcessTenant } from '../test/support/in-process-tenant.ts';
import { makePostLoginEvent, type PostLoginEventOverrides } from '../test/support/post-login-event.ts';
import { makeUser } from '../test/support/users.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const COLD_LOAD_RUNS = 7;

/** Median time (ms) for a fresh Node process to `require` a module, measured inside that process. */
function coldRequireMs(specifier: string, member: string): number {
  const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(specifier)});void m[${JSON.stringify(member)}];process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const runs = Array.from({ length: COLD_LOAD_RUNS }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })),
  );
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? Number.NaN;
}

async function sdkBundleBytes(): Promise<number> {
  const outfile = path.join(ROOT, 'dist', 'bench', 'sdk-management-client.js');
  await build({
    stdin: { contents: "export { ManagementClient } from 'auth0';", resolveDir: ROOT },
    outfile,
    ...ACTION_BUILD_OPTIONS,
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

const secrets = (fake: InProcessTenant, extra: Record<string, string> = {}) => ({
  AUTH0_DOMAIN: fake.domain,
  AUTH0_CLIENT_ID: fake.clientId,
  AUTH0_CLIENT_SECRET: fake.clientSecret,
  CONSENT_URL: 'https://link.example.com/consent',
  SESSION_TOKEN_SECRET: 'bench-session-token-secret-0123456789',
  AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication,google-oauth2',
  ...extra,
});

/** Management API calls one login makes (token requests excluded: the Action caches its token). */
async function managementCallsPerLogin(
  seed: (fake: InProcessTenant) => void,
  overrides: (fake: InProcessTenant) => PostLoginEventOverrides,
): Promise<number> {
  const fake = new InProcessTenant();
  const cache = new ActionCache();
  seed(fake);
  const originalFetch = globalThis.fetch;
  const originalLog = console.log;
  globalThis.fetch = fake.fetch;
  console.log = () => undefined;
  try {
    const event = makePostLoginEvent(overrides(fake));
    await onExecutePostLogin(event, createPostLoginApi({ event, cache, phase: 'execute' }).api);
  } finally {
    globalThis.fetch = originalFetch;
    console.log = originalLog;
  }
  return fake.managementCalls();
}

export async function run(): Promise<void> {
  const bytes = await buildAction();
  console.log(`action.bundle_bytes: ${bytes} B`);
  console.log(`baseline.sdk_bundle_bytes: ${await sdkBundleBytes()} B`);

  const actionMs = coldRequireMs(ACTION_BUNDLE, 'onExecutePostLogin');
  const sdkMs = coldRequireMs('auth0', 'ManagementClient');
  console.log(`action.cold_load_ms: ${actionMs.toFixed(2)} ms`);
  console.log(`baseline.sdk_cold_load_ms: ${sdkMs.toFixed(2)} ms`);
  console.log(`action.cold_load_ratio: ${(actionMs / sdkMs).toFixed(4)} x`);

  const googleUser = {
    user_id: 'google-oauth2|1',
    email: 'alice@example.com',
    email_verified: true,
    created_at: '2025-01-01T00:00:00.000Z',
  };
  const older = () => makeUser('auth0|old', { created_at: '2020-01-01T00:00:00.000Z' });
  const newer = () =>
    makeUser('google-oauth2|1', {
      created_at: '2025-01-01T00:00:00.000Z',
      user_metadata: { plan: 'pro' },
    });
  const calls = {
    no_candidate: await managementCallsPerLogin(
      () => undefined,
      (fake) => ({ user: googleUser, secrets: secrets(fake) }),
    ),
    silent_link: await managementCallsPerLogin(
      (fake) => fake.seed(older(), newer()),
      (fake) => ({ user: { ...googleUser, user_metadata: { plan: 'pro' } }, secrets: secrets(fake) }),
    ),
    consent_redirect: await managementCallsPerLogin(
      (fake) => fake.seed(older(), newer()),
      (fake) => ({ user: googleUser, secrets: secrets(fake, { AUTO_LINK_CONNECTIONS: '' }) }),
    ),
    repeat_login_first_login_mode: await managementCallsPerLogin(
      (fake) => fake.seed(older(), newer()),
      (fake) => ({
        user: googleUser,
        stats: { logins_count: 5 },
        secrets: secrets(fake, { CHECK_ON: 'first-login' }),
      }),
    ),
  };
  for (const [scenario, count] of Object.entries(calls)) {
    console.log(`action.management_calls.${scenario}: ${count} calls`);
  }
}
