import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { type LocalTenantLine, startTenantProcess } from './tenant-process.ts';

const SECONDS = Number(process.env.BENCH_EMULATOR_SECONDS ?? 5);
const CONCURRENCY = 32;
const SEEDED_USERS = 1000;

function call(
  agent: Agent,
  tenant: LocalTenantLine,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  const [host, port] = tenant.domain.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Closed loop: CONCURRENCY clients on keep-alive connections, each sending its next request when answered. */
async function requestsPerSecond(
  agent: Agent,
  tenant: LocalTenantLine,
  path: string,
  headers: Record<string, string>,
  expected: number,
) {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  let failures = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const { status } = await call(agent, tenant, 'GET', path, headers);
      if (status === expected) done += 1;
      else failures += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (failures > 0) throw new Error(`${failures} requests to ${path} did not answer ${expected}`);
  return Math.round(done / ((performance.now() - started) / 1000));
}

export async function run(): Promise<void> {
  const { child, tenant } = await startTenantProcess();
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: readFileSync(tenant.ca_file) });
    const control = { 'x-control-key': tenant.control_key, 'content-type': 'application/json' };
    await call(
      agent,
      tenant,
      'PUT',
      '/__control/rate-limit',
      control,
      JSON.stringify({ rps: 1e6, burst: 1e6 }),
    );
    const users = Array.from({ length: SEEDED_USERS }, (_, i) => ({
      connection: 'github',
      email: `user${i}@example.com`,
    }));
    await call(agent, tenant, 'POST', '/__control/users', control, JSON.stringify({ users }));
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: tenant.client_id,
      client_secret: tenant.client_secret,
      audience: `https://${tenant.domain}/api/v2/`,
    }).toString();
    const token = await call(
      agent,
      tenant,
      'POST',
      '/oauth/token',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form,
    );
    const { access_token } = JSON.parse(token.text) as { access_token: string };

    const path = `/api/v2/users-by-email?email=${encodeURIComponent(`user${SEEDED_USERS - 1}@example.com`)}`;
    const baseline = await requestsPerSecond(agent, tenant, path, {}, 401);
    const rps = await requestsPerSecond(
      agent,
      tenant,
      path,
      { authorization: `Bearer ${access_token}` },
      200,
    );
    console.log(`baseline.emulator.unauthenticated_401_rps: ${baseline} req/s`);
    console.log(`emulator.users_by_email_rps: ${rps} req/s`);
    agent.destroy();
  } finally {
    child.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
