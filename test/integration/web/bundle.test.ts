import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../../scripts/build-web.ts';
import { bootstrapManagement, LoginDriver, locationOf } from '../../support/login-driver.ts';
import { startTestTenant, type TestTenant } from '../../support/tenant.ts';
import { startWebBundle, type WebBundleProcess } from '../../support/web-bundle.ts';

// What ships is what is tested: dist/web.js built into a scratch folder, copied alone into an empty one, and run
// with `node` and environment variables only.

let tenant: TestTenant;
let folder: string;
let baseEnv: Record<string, string>;
let proxy: Server;
let webUrl: string;
const upstreams: number[] = [];
const served: number[] = [];
const running: WebBundleProcess[] = [];

async function startInstance(env: Record<string, string>): Promise<WebBundleProcess> {
  const instance = await startWebBundle(path.join(folder, 'web.js'), env);
  running.push(instance);
  return instance;
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** A load balancer without sticky sessions: requests go to the instances in `upstreams` in turn. */
function roundRobin(): Server {
  let turn = 0;
  return createServer((incoming, outgoing) => {
    const index = turn++ % upstreams.length;
    served[index] = (served[index] ?? 0) + 1;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreams[index],
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(upstream);
  });
}

beforeAll(async () => {
  tenant = await startTestTenant();
  const scratch = await mkdtemp(path.join(tmpdir(), 'web-build-'));
  await buildWeb(path.join(scratch, 'web.js'));
  folder = await mkdtemp(path.join(tmpdir(), 'web-empty-'));
  await copyFile(path.join(scratch, 'web.js'), path.join(folder, 'web.js'));
  await rm(scratch, { recursive: true });

  proxy = roundRobin();
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  webUrl = `http://localhost:${(proxy.address() as AddressInfo).port}`;
  const api = await bootstrapManagement(tenant);
  const client = async (name: string, callbacks: string[]) =>
    (
      await api<{ client_id: string; client_secret: string }>('POST', '/clients', {
        name,
        app_type: 'regular_web',
        callbacks,
      })
    ).body;
  const web = await client('Web', [`${webUrl}/callback`]);
  const reauth = await client('Re-authentication', [
    `${webUrl}/consent/callback`,
    `${webUrl}/account/link/callback`,
  ]);
  await api('POST', '/client-grants', {
    client_id: web.client_id,
    audience: `${tenant.issuer}api/v2/`,
    scope: ['read:users', 'update:users'],
  });
  baseEnv = {
    NODE_EXTRA_CA_CERTS: tenant.caFile,
    AUTH0_DOMAIN: tenant.domain,
    WEB_URL: webUrl,
    WEB_CLIENT_ID: web.client_id,
    WEB_CLIENT_SECRET: web.client_secret,
    REAUTH_CLIENT_ID: reauth.client_id,
    REAUTH_CLIENT_SECRET: reauth.client_secret,
    SESSION_TOKEN_SECRET: 'bundle-session-token-secret-0123456789abc',
    COOKIE_SECRET: 'bundle-cookie-secret-0123456789abcdefghij',
    HOST: '127.0.0.1',
    PORT: '0',
  };
});

afterAll(async () => {
  for (const { child } of running) child.kill('SIGKILL');
  proxy?.close();
  await tenant?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('dist/web.js', () => {
  it('serves one sign-in across two instances behind a round-robin balancer, with no sticky session', async () => {
    const instances = await Promise.all([startInstance(baseEnv), startInstance(baseEnv)]);
    upstreams.push(...instances.map(({ port }) => port));
    const browser = new LoginDriver(tenant);

    const toTenant = locationOf(await browser.fetch(`${webUrl}/login`), webUrl);
    expect(toTenant.origin).toBe(tenant.url);
    const submitted = await browser.submitLoginPage(locationOf(await browser.fetch(toTenant), tenant.url), {
      connection: 'google-oauth2',
      email: 'round.robin@example.com',
      email_verified: 'true',
    });
    const callback = locationOf(submitted, tenant.url);
    expect(callback.origin).toBe(webUrl);
    const landed = locationOf(await browser.fetch(callback), webUrl);
    const page = await browser.fetch(landed);

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('round.robin@example.com');
    // /login and the /account page on one instance, the callback (which reads /login's cookie) on the other.
    expect(served).toEqual([2, 1]);
  });

  it('answers /healthz and /readyz without a cookie or personal data', async () => {
    const { port } = await startInstance(baseEnv);
    const live = await fetch(`http://127.0.0.1:${port}/healthz`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);

    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect(live.headers.getSetCookie()).toEqual([]);
    expect(ready.headers.getSetCookie()).toEqual([]);
  });

  it('reports the tenant it cannot reach as not ready, naming the check', async () => {
    const { port } = await startInstance({ ...baseEnv, AUTH0_DOMAIN: 'localhost:1' });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);

    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not_ready', failing: ['discovery', 'management_token'] });
  });

  it('finishes a request under way on SIGTERM, refuses new connections, then exits 0', async () => {
    await tenant.control.setFaults([{ route: 'GET /.well-known/openid-configuration', latencyMs: 1_500 }]);
    try {
      const instance = await startInstance(baseEnv);
      const underWay = fetch(`http://127.0.0.1:${instance.port}/readyz`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      instance.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await fetch(`http://127.0.0.1:${instance.port}/healthz`).then(
        () => 'answered',
        () => 'refused',
      );
      const answer = await underWay;

      expect(refused).toBe('refused');
      expect(answer.status).toBe(200);
      expect(await exitCode(instance.child)).toBe(0);
      expect(instance.output()).toContain('SIGTERM: finishing requests under way');
    } finally {
      await tenant.control.setFaults([]);
    }
  });

  it('exits 2 naming a missing variable, before listening', async () => {
    const { COOKIE_SECRET: _, ...env } = baseEnv;
    await expect(startInstance(env)).rejects.toThrow(
      /exited 2: web: configuration error: COOKIE_SECRET is required/,
    );
  });
});
