import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, startTenant } from './index.ts';
import { ensureProcessTrustsCa } from './trust.ts';

const USAGE = `Usage: npm run tenant -- [--port 8443] [--snapshot .local-tenant/state.json | --no-snapshot] [--control]`;

interface CliOptions {
  port: number;
  snapshotFile: string | undefined;
  control: boolean;
  dataDir: string;
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
  return { port, snapshotFile, control: values.control === true, dataDir };
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2));
  await ensureProcessTrustsCa(options.dataDir);

  const tenant = await startTenant({
    port: options.port,
    dataDir: options.dataDir,
    control: options.control,
    ...(options.snapshotFile ? { snapshotFile: options.snapshotFile } : {}),
  });
  console.log(`Local tenant listening on ${tenant.url}`);
  console.log(`  trust its CA:        export NODE_EXTRA_CA_CERTS=${tenant.caFile}`);
  console.log(`  Management API:      ${tenant.url}/api/v2/ (bootstrap M2M client below, every scope)`);
  console.log(
    `  AUTH0_DOMAIN=${tenant.domain} AUTH0_CLIENT_ID=${tenant.clientId} AUTH0_CLIENT_SECRET=<client_secret below>`,
  );
  console.log(
    `  state snapshot:      ${options.snapshotFile ? resolve(options.snapshotFile) : 'off (in memory only)'}`,
  );
  if (tenant.controlKey)
    console.log(`  control API:         ${tenant.url}/__control/ (header x-control-key)`);
  console.log(
    `LOCAL_TENANT ${JSON.stringify({
      domain: tenant.domain,
      issuer: tenant.issuer,
      ca_file: tenant.caFile,
      client_id: tenant.clientId,
      client_secret: tenant.clientSecret,
      ...(tenant.controlKey ? { control_key: tenant.controlKey } : {}),
    })}`,
  );

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
