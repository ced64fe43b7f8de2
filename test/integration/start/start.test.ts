import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/ports.ts';

const START = path.resolve(import.meta.dirname, '../../../scripts/start.ts');

interface Run {
  child: ChildProcess;
  /** Every line `npm start` printed to the terminal, stdout and stderr, until the web app was up. */
  lines: string[];
}

let cwd: string;
let webUrl: string;
let env: NodeJS.ProcessEnv;

/** `npm start` as a person runs it, in `cwd`, until it prints that the web app is ready. */
async function start(): Promise<Run> {
  const child = spawn(process.execPath, [START], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (line.startsWith('start: web app on ')) return { child, lines };
  }
  throw new Error(`npm start exited before the web app was up:\n${lines.join('\n')}`);
}

async function stop(run: Run): Promise<number | null> {
  const exited = once(run.child, 'exit');
  run.child.kill('SIGINT');
  const [code] = await exited;
  return code;
}

beforeAll(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), 'npm-start-'));
  const webPort = await freePort();
  webUrl = `http://localhost:${webPort}`;
  // A person's shell: no CA trusted yet, no Action settings.
  const { NODE_EXTRA_CA_CERTS: _ca, ...inherited } = process.env;
  env = { ...inherited, TENANT_PORT: String(await freePort()), PORT: String(webPort) };
});

afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

describe('npm start', () => {
  let first: Run;
  let tenantFile: string;

  beforeAll(async () => {
    first = await start();
    tenantFile = path.join(cwd, '.local-tenant', 'local-tenant.json');
  });

  afterAll(async () => {
    if (first.child.exitCode === null) await stop(first);
  });

  it('deploys tenant.yaml and serves the web app at the URL it prints', async () => {
    expect(first.lines.at(-1)?.startsWith(`start: web app on ${webUrl}; ready in `)).toBe(true);
    expect(first.lines.some((line) => /^start: tenant\.yaml deployed \(2 a0deploy import/.test(line))).toBe(
      true,
    );
    // Sign-in goes to the tenant's /authorize as the web client the deploy created.
    const signIn = await fetch(`${webUrl}/login`, { redirect: 'manual' });
    const authorize = new URL(signIn.headers.get('location') ?? '');
    expect(authorize.href.startsWith(`https://localhost:${env.TENANT_PORT}/authorize?`)).toBe(true);
    expect(authorize.searchParams.get('client_id')).toMatch(/\w{16,}/);
  });

  it('links to the outbox page, where a person reads the passwordless codes', () => {
    const outbox = `https://localhost:${env.TENANT_PORT}/__outbox`;
    expect(first.lines).toContain(
      `start: the codes the email and sms connections would have sent: ${outbox}`,
    );
  });

  it('keeps the bootstrap Management secret off the terminal: it names the file holding it (security case 39)', () => {
    expect(first.lines).toContain(`LOCAL_TENANT_FILE ${tenantFile}`);
    expect(statSync(tenantFile).mode & 0o777).toBe(0o600);
    const tenant = JSON.parse(readFileSync(tenantFile, 'utf8'));
    expect(tenant).toMatchObject({
      domain: expect.stringMatching(/^localhost:\d+$/),
      client_id: expect.any(String),
    });
    expect(tenant.client_secret).toMatch(/.{16,}/);
    expect(first.lines.filter((line) => line.includes(tenant.client_secret))).toEqual([]);
    expect(first.lines.filter((line) => line.startsWith('LOCAL_TENANT '))).toEqual([]);
  });

  it('stops on Ctrl-C and restarts with the same tenant, importing nothing', async () => {
    expect(await stop(first)).toBe(0);
    const secret = JSON.parse(readFileSync(tenantFile, 'utf8')).client_secret;
    const again = await start();
    try {
      expect(again.lines.some((line) => line.includes('already matches tenant.yaml'))).toBe(true);
      expect(again.lines.some((line) => /^start: tenant\.yaml deployed \(0 a0deploy import/.test(line))).toBe(
        true,
      );
      expect(JSON.parse(readFileSync(tenantFile, 'utf8')).client_secret).toBe(secret);
      expect(again.lines.filter((line) => line.includes(secret))).toEqual([]);
      expect((await fetch(`${webUrl}/`)).status).toBe(200);
    } finally {
      await stop(again);
    }
  });
});
