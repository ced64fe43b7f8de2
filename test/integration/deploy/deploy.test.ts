import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAction } from '../../../scripts/build-action.ts';
import {
  DeployConfigError,
  type DeployOptions,
  type DeployResult,
  deploy,
  planDeploy,
} from '../../../scripts/deploy.ts';
import { DEFAULT_OPTIONAL_SECRETS } from '../../support/action-secrets.ts';
import { bootstrapAccessToken } from '../../support/login-driver.ts';
import type { FaultRule } from '../../support/tenant.ts';
import { startTestTenant, type TestTenant } from '../../support/tenant.ts';

// Every import starts a0deploy in its own process: this file runs six, sharing one tenant and one sequence of
// deploys.
const IMPORT_TIMEOUT = 240_000;
const SESSION_TOKEN_SECRET = 'integration-session-token-secret-0123456789';
// latencyMs 0 only records each request in the tenant's event log: a request counter.
const COUNT_REQUESTS: FaultRule = { route: '* /*', latencyMs: 0 };

let tenant: TestTenant;
let workDir: string;
let bundle: string;
let lines: string[];
let first: DeployResult;

const env = (extra: Record<string, string | undefined> = {}) => ({
  AUTH0_DOMAIN: tenant.domain,
  AUTH0_CLIENT_ID: tenant.clientId,
  AUTH0_CLIENT_SECRET: tenant.clientSecret,
  WEB_URL: 'http://localhost:3000',
  SESSION_TOKEN_SECRET,
  AUTO_LINK_CONNECTIONS: 'google-oauth2',
  ...extra,
});

const options = (extra: Partial<DeployOptions> = {}): DeployOptions => ({
  tenantFile: path.join(workDir, 'tenant.yaml'),
  build: false,
  caFile: tenant.caFile,
  maxRetries: 0,
  log: (line) => lines.push(line),
  ...extra,
});

const registry = () => tenant.context.store.actions;
const linkingAction = () =>
  registry()
    .list()
    .find((a) => a.name === 'account-linking');
const boundNames = () =>
  registry()
    .boundActions('post-login')
    .map((b) => b.name);

async function requestsSeen(): Promise<Array<{ method: string; path: string }>> {
  const events = await tenant.control.events({ type: 'fault' });
  return events.flatMap((e) => (e.type === 'fault' ? [{ method: e.method, path: e.path }] : []));
}

async function admin(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${tenant.url}/api/v2${route}`, {
    method,
    headers: {
      authorization: `Bearer ${await bootstrapAccessToken(tenant)}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Another team's post-login Action, bound before this project is ever deployed. */
async function bindAnotherAction(): Promise<void> {
  const other = await admin('POST', '/actions/actions', {
    name: 'add-roles',
    code: 'exports.onExecutePostLogin = async () => {};',
    runtime: 'node22',
    supported_triggers: [{ id: 'post-login', version: 'v3' }],
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await admin('POST', `/actions/actions/${other.id}/deploy`);
  await admin('PATCH', '/actions/triggers/post-login/bindings', {
    bindings: [{ ref: { type: 'action_name', value: 'add-roles' }, display_name: 'Add roles' }],
  });
}

beforeAll(async () => {
  tenant = await startTestTenant();
  workDir = mkdtempSync(path.join(tmpdir(), 'deploy-it-'));
  copyFileSync(path.resolve('tenant.yaml'), path.join(workDir, 'tenant.yaml'));
  // a0deploy reads the email connection's body from connections/ beside tenant.yaml.
  cpSync(path.resolve('connections'), path.join(workDir, 'connections'), { recursive: true });
  // Built beside the copied tenant.yaml, so other test files reading dist/ never see a half-written bundle.
  await buildAction(path.join(workDir, 'dist', 'account-linking.js'));
  bundle = readFileSync(path.join(workDir, 'dist', 'account-linking.js'), 'utf8');
  await bindAnotherAction();
  await tenant.control.reset();
  await tenant.control.setFaults([COUNT_REQUESTS]);
  lines = [];
});

afterAll(async () => {
  await tenant?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('npm run deploy against the local tenant', () => {
  it('refuses a missing variable or a bad value before any request reaches the tenant', async () => {
    for (const bad of [
      { SESSION_TOKEN_SECRET: undefined },
      { SESSION_TOKEN_SECRET: 'short' },
      { AUTH0_DOMAIN: `https://${tenant.domain}` },
      { WEB_URL: 'http://link.example.com' },
      { CHECK_ON: 'always' },
    ]) {
      const error = await deploy(env(bad), options()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployConfigError);
      expect((error as DeployConfigError).problems.map((p) => p.variable)).toEqual(Object.keys(bad));
    }
    expect(await requestsSeen()).toEqual([]);
  });

  it('deploys tenant.yaml into a fresh tenant: clients first, then the Action, bound after the existing one', {
    timeout: IMPORT_TIMEOUT,
  }, async () => {
    const started = performance.now();
    first = await deploy(env(), options());
    const seconds = (performance.now() - started) / 1000;
    const requests = await requestsSeen();
    console.log(`deploy.fresh_tenant: ${seconds.toFixed(1)} s, ${first.imports} imports`);
    console.log(
      `deploy.fresh_tenant_requests: ${requests.length} requests (${first.requests} by the script)`,
    );

    expect(first.imports).toBe(2);
    expect(boundNames()).toEqual(['add-roles', 'account-linking']);
    const bound = registry()
      .boundActions('post-login')
      .find((b) => b.name === 'account-linking');
    expect(bound?.code).toBe(bundle);
    expect(bound?.runtime).toBe('node22');
    expect(bound?.secrets).toEqual({
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: first.clients.action.client_id,
      AUTH0_CLIENT_SECRET: first.clients.action.client_secret,
      CONSENT_URL: 'http://localhost:3000/consent',
      SESSION_TOKEN_SECRET,
      AUTO_LINK_CONNECTIONS: 'google-oauth2',
      SKIP_CLIENT_IDS: first.clients.reauth.client_id,
      ...DEFAULT_OPTIONAL_SECRETS,
    });
    const store = tenant.context.store;
    const scopeOf = (clientId: string) =>
      store.findClientGrant(clientId, `https://${tenant.domain}/api/v2/`)?.scope;
    expect(scopeOf(first.clients.action.client_id)).toEqual(['read:users', 'update:users']);
    expect(scopeOf(first.clients.web.client_id)).toEqual([
      'read:users',
      'update:users',
      'read:connections',
      'read:connections_options',
    ]);
    expect(store.getClient(first.clients.reauth.client_id)?.grant_types).toEqual([
      'authorization_code',
      'http://auth0.com/oauth/grant-type/passwordless/otp',
    ]);
    expect(store.getClient(first.clients.web.client_id)).toMatchObject({
      name: 'Account Linking Web',
      client_secret: first.clients.web.client_secret,
      callbacks: ['http://localhost:3000/callback'],
      oidc_logout: { backchannel_logout_urls: ['http://localhost:3000/backchannel-logout'] },
    });
    expect(store.getClient(first.clients.reauth.client_id)?.callbacks).toEqual([
      'http://localhost:3000/consent/callback',
      'http://localhost:3000/account/link/callback',
    ]);
    // The passwordless connections, enabled for the web app's two login clients (and the email body from the file).
    for (const name of ['email', 'sms']) {
      expect(store.connectionByName(name)).toMatchObject({ strategy: name });
      expect(store.connectionByName(name)?.enabled_clients.sort()).toEqual(
        [first.clients.web.client_id, first.clients.reauth.client_id].sort(),
      );
    }
    expect(store.connectionByName('email')?.options).toMatchObject({
      email: { body: expect.stringContaining('{{ code }}') },
      totp: { time_step: 180, length: 6 },
    });
    const secrets = [SESSION_TOKEN_SECRET, tenant.clientSecret, first.clients.action.client_secret];
    expect(lines.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  });

  it('deploys the same input again without importing or creating a version', async () => {
    await tenant.control.reset();
    await tenant.control.setFaults([COUNT_REQUESTS]);
    const again = await deploy(env(), options());
    expect(again).toMatchObject({ imports: 0, changes: [], clients: first.clients });
    expect(registry().versions(linkingAction()!.id)).toHaveLength(1);
    const requests = await requestsSeen();
    console.log(`deploy.unchanged_requests: ${requests.length} requests`);
    expect(requests.filter((r) => r.method !== 'GET' && r.path !== '/oauth/token')).toEqual([]);
  });

  it('--check passes on a matching tenant and names each drift', async () => {
    expect((await planDeploy(env(), options())).changes).toEqual([]);
    const grant = tenant.context.store.findClientGrant(
      first.clients.action.client_id,
      `https://${tenant.domain}/api/v2/`,
    );
    await admin('PATCH', `/client-grants/${grant!.id}`, {
      scope: ['read:users', 'update:users', 'delete:users'],
    });
    await admin('PATCH', `/clients/${first.clients.web.client_id}`, {
      callbacks: ['https://evil.example/cb'],
    });

    const { changes } = await planDeploy(env(), options());
    expect(changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`)).toEqual([
      'update client "Account Linking Web": callbacks differ',
      `update client grant of "Account Linking Action" on https://${tenant.domain}/api/v2/: scope is "read:users update:users delete:users", should be "read:users update:users"`,
    ]);
    expect((await planDeploy(env({ DRY_RUN: 'true' }), options())).changes.at(-1)?.resource).toBe(
      'action "account-linking"',
    );
  });

  it('deploys a changed secret as a new version and repairs the drift', {
    timeout: IMPORT_TIMEOUT,
  }, async () => {
    await tenant.control.reset();
    await tenant.control.setFaults([COUNT_REQUESTS]);
    const started = performance.now();
    const result = await deploy(env({ DRY_RUN: 'true' }), options());
    const seconds = (performance.now() - started) / 1000;
    console.log(`deploy.update: ${seconds.toFixed(1)} s, ${(await requestsSeen()).length} requests`);
    expect(result.imports).toBe(1);
    const [latest] = registry().versions(linkingAction()!.id);
    expect(latest).toMatchObject({ number: 2, deployed: true });
    expect(registry().boundActions('post-login').at(-1)?.secrets.DRY_RUN).toBe('true');
    expect((await planDeploy(env({ DRY_RUN: 'true' }), options())).changes).toEqual([]);
  });

  it('leaves the previous version deployed and bound when the import fails halfway; a rerun completes', {
    timeout: 2 * IMPORT_TIMEOUT,
  }, async () => {
    writeFileSync(path.join(workDir, 'dist', 'account-linking.js'), `${bundle}\n// next release\n`);
    await tenant.control.setFaults([
      { route: 'POST /api/v2/actions/actions/:id/deploy', status: 503 },
      COUNT_REQUESTS,
    ]);
    const error = await deploy(env({ DRY_RUN: 'true' }), options()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'import_failed' });
    expect(boundNames()).toEqual(['add-roles', 'account-linking']);
    expect(registry().boundActions('post-login').at(-1)).toMatchObject({ version_number: 2, code: bundle });

    await tenant.control.setFaults([COUNT_REQUESTS]);
    const rerun = await deploy(env({ DRY_RUN: 'true' }), options());
    expect(rerun.imports).toBe(1);
    expect(registry().boundActions('post-login').at(-1)).toMatchObject({
      version_number: 3,
      code: `${bundle}\n// next release\n`,
    });
    expect(boundNames()).toEqual(['add-roles', 'account-linking']);
  });

  it('restores the previous code by redeploying the previous bundle', {
    timeout: IMPORT_TIMEOUT,
  }, async () => {
    writeFileSync(path.join(workDir, 'dist', 'account-linking.js'), bundle);
    await deploy(env({ DRY_RUN: 'true' }), options());
    expect(registry().boundActions('post-login').at(-1)).toMatchObject({ version_number: 4, code: bundle });
  });
});
