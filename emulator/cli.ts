import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tailActionLogs } from './events.ts';
import { type FaultRule, validateFaultRules } from './faults.ts';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, localTenantLine, startTenant } from './index.ts';
import { DEFAULT_RATE_LIMIT } from './rate-limit.ts';
import { ensureProcessTrustsCa } from './trust.ts';

const USAGE = `Usage: npm run tenant -- [--port 8443] [--snapshot .local-tenant/state.json | --no-snapshot] [--control] [--rps 50 --burst 100] [--faults '<JSON rules>' | --faults @rules.json]

--faults takes the control API's rules, e.g. '[{"route":"* /api/v2/*","status":503,"rate":0.2}]'.`;

interface CliOptions {
  port: number;
  snapshotFile: string | undefined;
  control: boolean;
  dataDir: string;
  rateLimit: { rps: number; burst: number };
  faults: FaultRule[];
}

function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      snapshot: { type: 'string' },
      'no-snapshot': { type: 'boolean' },
      control: { type: 'boolean' },
      'data-dir': { type: 'string' },
      rps: { type: 'string' },
      burst: { type: 'string' },
      faults: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a TCP port, got ${values.port}`);
  const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
  const snapshotFile = values['no-snapshot'] ? undefined : (values.snapshot ?? `${dataDir}/state.json`);
  const rateLimit = {
    rps: values.rps === undefined ? DEFAULT_RATE_LIMIT.rps : Number(values.rps),
    burst: values.burst === undefined ? DEFAULT_RATE_LIMIT.burst : Number(values.burst),
  };
  if (!(rateLimit.rps > 0) || !(rateLimit.burst >= 1)) throw new Error('--rps must be > 0 and --burst >= 1');
  const faults = values.faults === undefined ? [] : parseFaults(values.faults);
  return { port, snapshotFile, control: values.control === true, dataDir, rateLimit, faults };
}

/** `--faults` as inline JSON or `@file`; each rule is checked as the control API checks it. */
function parseFaults(value: string): FaultRule[] {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  let rules: unknown;
  try {
    rules = JSON.parse(text);
  } catch (cause) {
    throw new Error(`--faults must be a JSON array of rules: ${(cause as Error).message}`);
  }
  try {
    return validateFaultRules(rules);
  } catch (cause) {
    throw new Error(`--faults: ${(cause as Error).message}`);
  }
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2));
  await ensureProcessTrustsCa(options.dataDir);

  const tenant = await startTenant({
    port: options.port,
    dataDir: options.dataDir,
    control: options.control,
    rateLimit: options.rateLimit,
    faults: options.faults,
    ...(options.snapshotFile ? { snapshotFile: options.snapshotFile } : {}),
  });
  console.log(`Local tenant listening on ${tenant.url}`);
  console.log(`  trust its CA:        export NODE_EXTRA_CA_CERTS=${tenant.caFile}`);
  console.log(`  Management API:      ${tenant.url}/api/v2/ (bootstrap M2M client below, every scope)`);
  console.log(
    `  AUTH0_DOMAIN=${tenant.domain} AUTH0_CLIENT_ID=${tenant.clientId} AUTH0_CLIENT_SECRET=<client_secret below>`,
  );
  console.log(
    `  rate limit:          ${options.rateLimit.rps} req/s, burst ${options.rateLimit.burst} (Auth0 free tenants: 2/10)`,
  );
  console.log(
    `  state snapshot:      ${options.snapshotFile ? resolve(options.snapshotFile) : 'off (in memory only)'}`,
  );
  if (options.faults.length > 0)
    console.log(`  faults:              ${options.faults.map((rule) => JSON.stringify(rule)).join(' ')}`);
  if (tenant.controlKey)
    console.log(`  control API:         ${tenant.url}/__control/ (header x-control-key)`);
  console.log(localTenantLine(tenant));
  console.log("Actions' console lines follow, prefixed with the Action's name:");
  tailActionLogs(tenant.context.events, (line) => console.log(line));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Local tenant: ${signal}, writing state and closing`);
    await tenant.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`Local tenant failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
