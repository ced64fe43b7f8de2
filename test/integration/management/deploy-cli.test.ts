import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTenant, type TestTenant } from '../../support/tenant.ts';
import { managementClient } from './helpers.ts';

const run = promisify(execFile);
const A0DEPLOY = resolve('node_modules/auth0-deploy-cli/lib/index.js');
const ACTION_CODE =
  "exports.onExecutePostLogin = async (event) => { console.log('hello', event.user.user_id); };\n";
const TENANT_YAML = `
actions:
  - name: hello-action
    code: ./hello.js
    runtime: node22
    deployed: true
    dependencies: []
    secrets:
      - name: GREETING
        value: '##GREETING##'
    supported_triggers:
      - id: post-login
        version: v3
triggers:
  post-login:
    - action_name: hello-action
      display_name: hello-action
clients:
  - name: Deploy Test M2M
    app_type: non_interactive
    grant_types: [client_credentials]
  - name: Deploy Test Web
    app_type: regular_web
    callbacks: ['https://localhost:3000/callback']
    grant_types: [authorization_code]
clientGrants:
  - client_id: Deploy Test M2M
    audience: https://##AUTH0_DOMAIN##/api/v2/
    scope: [read:users, update:users]
`;

let tenant: TestTenant;
let management: ManagementClient;
let workDir: string;

function a0deploy(args: string[]) {
  return run(process.execPath, [A0DEPLOY, ...args], {
    cwd: workDir,
    timeout: 150_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: tenant.caFile,
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
      AUTH0_INCLUDED_ONLY: '["actions","triggers","clients","clientGrants"]',
      GREETING: 'hi',
    },
  });
}

beforeAll(async () => {
  tenant = await startTestTenant();
  management = managementClient(tenant);
  workDir = mkdtempSync(join(tmpdir(), 'a0deploy-'));
  writeFileSync(join(workDir, 'tenant.yaml'), TENANT_YAML);
  writeFileSync(join(workDir, 'hello.js'), ACTION_CODE);
});

afterAll(async () => {
  await tenant.close();
  rmSync(workDir, { recursive: true, force: true });
});

// a0deploy validates its schema with ajv twice per import: ~30 s of CPU on a 2-core machine.
describe('the real a0deploy against the local tenant', () => {
  it('imports clients, a client grant, a deployed Action and its post-login binding', {
    timeout: 180_000,
  }, async () => {
    const { stdout } = await a0deploy(['import', '--input_file', 'tenant.yaml']);
    expect(stdout).toContain('Import Successful');

    const clients = await management.clients.list({ is_global: false, include_totals: true });
    const m2m = clients.data.find((c) => c.name === 'Deploy Test M2M');
    expect(m2m?.client_id).toBeTruthy();
    expect(clients.data.find((c) => c.name === 'Deploy Test Web')?.callbacks).toEqual([
      'https://localhost:3000/callback',
    ]);

    const grants = await management.clientGrants.list({ client_id: m2m!.client_id! });
    expect(grants.data.map((g) => [g.audience, g.scope])).toEqual([
      [`https://${tenant.domain}/api/v2/`, ['read:users', 'update:users']],
    ]);

    const [bound] = tenant.context.store.actions.boundActions('post-login');
    expect(bound).toMatchObject({
      name: 'hello-action',
      version_number: 1,
      code: ACTION_CODE,
      secrets: { GREETING: 'hi' },
    });
  });

  it('exports what it imported, without secret values', { timeout: 120_000 }, async () => {
    const out = join(workDir, 'export');
    mkdirSync(out);
    await a0deploy(['export', '--format', 'yaml', '--output_folder', out]);
    const yaml = readFileSync(join(out, 'tenant.yaml'), 'utf8');
    expect(yaml).toContain('name: hello-action');
    expect(yaml).toContain('Deploy Test M2M');
    expect(yaml).toContain('post-login');
    expect(readFileSync(join(out, 'actions', 'hello-action', 'code.js'), 'utf8')).toBe(ACTION_CODE);
    expect(yaml).not.toContain('value: hi');
  });
});
