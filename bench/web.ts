import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { SignJWT } from 'jose';
import { browserBinding, sealLinkRequest } from '../core/link-request.ts';
import { buildWeb } from '../scripts/build-web.ts';
import { createWebApp } from '../web/app.ts';
import { parseWebConfig } from '../web/config.ts';
import type { WebManagementPort } from '../web/management.ts';
import type { OidcPort } from '../web/oidc.ts';
import { percentile } from './percentile.ts';

const RATE_PER_SECOND = 500;
const SECONDS = Number(process.env.BENCH_WEB_SECONDS ?? 5);
const WARMUP_SECONDS = 1;

const ENV = {
  AUTH0_DOMAIN: 'tenant.bench.local',
  WEB_URL: 'http://localhost:3000',
  WEB_CLIENT_ID: 'bench-web',
  WEB_CLIENT_SECRET: 'bench-web-secret',
  REAUTH_CLIENT_ID: 'bench-reauth',
  REAUTH_CLIENT_SECRET: 'bench-reauth-secret',
  SESSION_TOKEN_SECRET: 'bench-session-token-secret-0123456789',
  COOKIE_SECRET: 'bench-cookie-secret-0123456789-abcdefgh',
};

const unused = (): never => {
  throw new Error('the consent page render needs no tenant');
};
const oidc: OidcPort = { authorizationUrl: unused, exchangeCode: unused };
const management: WebManagementPort = {
  getUser: unused,
  usersByEmail: unused,
  userWithIdentity: unused,
  updateUser: unused,
  linkIdentity: unused,
  unlinkIdentity: unused,
  findConnection: unused,
};

/** Open-loop load: requests leave on a fixed schedule and latency counts from the scheduled time. */
async function load(
  port: number,
  path: string,
  seconds: number,
): Promise<{ latencies: number[]; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(RATE_PER_SECOND * seconds);
  const interval = 1000 / RATE_PER_SECOND;
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  const send = (scheduled: number) =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - scheduled);
          else errors += 1;
          resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end();
    });
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        pending.push(send(start + sent * interval));
        sent += 1;
      }
      if (sent < total) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  return { latencies, errors };
}

const COLD_STARTS = 5;
const BARE_HTTP_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
  console.log('listening on http://127.0.0.1:' + this.address().port);
});`;

/** Milliseconds from spawning `node args` until `route` on the port it prints answers 200; then it is killed. */
async function coldStart(args: string[], cwd: string, route: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...ENV, PORT: '0' } });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /listening on http:\/\/[^:]+:(\d+)/.exec(output)?.[1];
        if (found !== undefined) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${output}`)));
    });
    const answer = await fetch(`http://127.0.0.1:${port}${route}`);
    if (answer.status !== 200) throw new Error(`${route} answered ${answer.status}`);
    return performance.now() - started;
  } finally {
    child.kill('SIGKILL');
  }
}

/** What ships: dist/web.js's size, and its start until /healthz answers against a bare Node HTTP server's. */
async function artifact(): Promise<void> {
  const folder = await mkdtemp(path.join(tmpdir(), 'bench-web-'));
  try {
    const bytes = await buildWeb(path.join(folder, 'web.js'));
    const bundle: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < COLD_STARTS; round++) {
      bundle.push(await coldStart(['web.js'], folder, '/healthz'));
      bare.push(await coldStart(['-e', BARE_HTTP_SERVER], folder, '/'));
    }
    console.log(`web.bundle_bytes: ${bytes} B`);
    console.log(`web.cold_start_ms: ${percentile(bundle, 50).toFixed(0)} ms`);
    console.log(`baseline.node_http_cold_start_ms: ${percentile(bare, 50).toFixed(0)} ms`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await artifact();
  const config = parseWebConfig(ENV);
  const app = createWebApp(config, {
    oidc,
    management,
    log: () => {},
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const iat = Math.floor(Date.now() / 1000);
  // The consent URL as the Action builds it: a signed link request (encodeToken adds the login's ip), then sealed.
  const signed = await new SignJWT({
    purpose: 'link-request',
    candidates: [
      {
        user_id: 'auth0|bench',
        email: 'bench.user@example.com',
        connection: 'Username-Password-Authentication',
        created_at: '2024-01-01T00:00:00.000Z',
        primary: true,
      },
    ],
    browser: browserBinding(config.sessionTokenSecret, { userAgent: 'bench', ip: '127.0.0.1' }),
    login: {
      connection: 'google-oauth2',
      email: 'bench.user@example.com',
      created_at: '2025-01-01T00:00:00.000Z',
    },
    ip: '127.0.0.1',
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('google-oauth2|bench')
    .setIssuer(config.auth0Domain)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(new TextEncoder().encode(config.sessionTokenSecret));
  const token = sealLinkRequest(signed, config.sessionTokenSecret);
  const consentPath = `/consent?${new URLSearchParams({ session_token: token, state: 'bench-state' })}`;
  const staticPath = '/robots.txt';
  try {
    await load(port, staticPath, WARMUP_SECONDS);
    await load(port, consentPath, WARMUP_SECONDS);
    const consent = await load(port, consentPath, SECONDS);
    const baseline = await load(port, staticPath, SECONDS);
    if (consent.errors > 0 || baseline.errors > 0) {
      throw new Error(
        `web bench: ${consent.errors} consent and ${baseline.errors} static requests did not answer 200`,
      );
    }
    console.log(`web.consent_p99_ms: ${percentile(consent.latencies, 99).toFixed(2)} ms`);
    console.log(`web.consent_p50_ms: ${percentile(consent.latencies, 50).toFixed(2)} ms`);
    console.log(`baseline.web_static_p99_ms: ${percentile(baseline.latencies, 99).toFixed(2)} ms`);
    console.log(`baseline.web_static_p50_ms: ${percentile(baseline.latencies, 50).toFixed(2)} ms`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
