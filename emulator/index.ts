import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { createTenantApp } from './app.ts';
import { loadTlsMaterial } from './certs.ts';
import type { TenantContext, TenantEnv } from './context.ts';
import { EventLog } from './events.ts';
import { FaultInjector, type FaultRule, validateFaultRules } from './faults.ts';
import { loadSigningKey, type SigningKey } from './keys.ts';
import { RefreshTokens } from './oauth/refresh-tokens.ts';
import { OneTimeCodes } from './passwordless/codes.ts';
import { Outbox } from './passwordless/outbox.ts';
import { DEFAULT_RATE_LIMIT, type RateLimitConfig, TokenBucket } from './rate-limit.ts';
import { type TenantSnapshot, TenantStore } from './store.ts';
import { TenantLogs } from './tenant-logs.ts';
import { TokenService } from './tokens.ts';

export interface TenantOptions {
  /** 0 picks a free port. Default 8443. */
  port?: number;
  host?: '127.0.0.1';
  /** Where the CA and the signing key live. Default `.local-tenant`. */
  dataDir?: string;
  /** State is loaded from here at start (when present) and written back on change and at close. */
  snapshotFile?: string;
  /** Serves `/__control/` with a random key (`RunningTenant.controlKey`). */
  control?: boolean;
  /**
   * Serves the outbox page `/__outbox`: every code the tenant would have emailed or texted, for a person running the
   * demo. Anyone who can reach the port reads them, so it is off unless asked for.
   */
  outboxPage?: boolean;
  rateLimit?: RateLimitConfig;
  faults?: FaultRule[];
  bootstrapClient?: { client_id: string; client_secret: string };
  /** Simulated Action build time before `status: 'built'`. Default 300 ms. */
  actionBuildMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface RunningTenant {
  /** `localhost:<port>` */
  domain: string;
  /** `https://localhost:<port>/` */
  issuer: string;
  /** `https://localhost:<port>` */
  url: string;
  port: number;
  caFile: string;
  /** For Chromium: `--ignore-certificate-errors-spki-list=<pins joined by ,>` (the server key changes per start). */
  spkiPins: string[];
  clientId: string;
  clientSecret: string;
  /** Present when started with `control: true`; send it as `x-control-key`. */
  controlKey?: string;
  /** The live context, for in-process tests and for the login side. */
  context: TenantContext;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8443;
export const DEFAULT_DATA_DIR = '.local-tenant';
const SNAPSHOT_DEBOUNCE_MS = 250;

export async function startTenant(options: TenantOptions = {}): Promise<RunningTenant> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const faultRules = validateFaultRules(options.faults ?? []);
  const [tls, key] = await Promise.all([loadTlsMaterial(dataDir), loadSigningKey(dataDir)]);

  let app: Hono<TenantEnv> | undefined;
  const server = createAdaptorServer({
    fetch: (request, env) => (app ? app.fetch(request, env) : new Response(null, { status: 503 })),
    createServer,
    serverOptions: { cert: tls.certPem, key: tls.keyPem },
  }) as Server;
  await listen(server, options.port ?? DEFAULT_PORT, host);
  const port = (server.address() as AddressInfo).port;
  const domain = `localhost:${port}`;
  const issuer = `https://${domain}/`;

  const snapshotFile = options.snapshotFile ? resolve(options.snapshotFile) : undefined;
  const tenant = createTenant({ ...options, domain, key, faults: faultRules });
  const { context } = tenant;
  const { store } = context;
  if (snapshotFile && existsSync(snapshotFile)) {
    store.restore(JSON.parse(readFileSync(snapshotFile, 'utf8')) as TenantSnapshot);
  }

  const writeSnapshot = snapshotFile
    ? () => writePrivateFile(snapshotFile, JSON.stringify(store.snapshot(), null, 2))
    : undefined;
  let timer: NodeJS.Timeout | undefined;
  if (writeSnapshot) {
    store.onChange(() => {
      clearTimeout(timer);
      timer = setTimeout(writeSnapshot, SNAPSHOT_DEBOUNCE_MS);
      timer.unref();
    });
  }

  app = tenant.app;

  const bootstrap = store.bootstrapClient();
  let closing: Promise<void> | undefined;
  return {
    domain,
    issuer,
    url: `https://${domain}`,
    port,
    caFile: tls.caFile,
    spkiPins: tls.spkiPins,
    clientId: bootstrap.client_id,
    clientSecret: bootstrap.client_secret,
    ...(context.controlKey ? { controlKey: context.controlKey } : {}),
    context,
    close() {
      closing ??= new Promise<void>((done) => {
        clearTimeout(timer);
        writeSnapshot?.();
        server.close(() => done());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export interface TenantParts {
  context: TenantContext;
  /** The whole HTTP surface: `app.fetch` answers a request with no socket, as the server does. */
  app: Hono<TenantEnv>;
}

/** A tenant's state and app without a server: `startTenant` serves it; in-process tests call `app.fetch`. */
export function createTenant(
  options: Omit<TenantOptions, 'port' | 'host' | 'dataDir' | 'snapshotFile'> & {
    domain: string;
    key: SigningKey;
  },
): TenantParts {
  const { domain, key } = options;
  const issuer = `https://${domain}/`;
  const now = options.now ?? Date.now;
  const store = new TenantStore({
    domain,
    now,
    actionBuildMs: options.actionBuildMs ?? 300,
    ...(options.bootstrapClient ? { bootstrapClient: options.bootstrapClient } : {}),
  });
  const faults = new FaultInjector(options.random);
  faults.set(validateFaultRules(options.faults ?? []));
  const context: TenantContext = {
    domain,
    issuer,
    store,
    tokens: new TokenService({ issuer, key, now }),
    refreshTokens: new RefreshTokens(now),
    passwordless: { codes: new OneTimeCodes(now), outbox: new Outbox(now) },
    events: new EventLog(now),
    logs: new TenantLogs(now, domain),
    rateLimit: new TokenBucket(options.rateLimit ?? DEFAULT_RATE_LIMIT, now),
    faults,
    now,
    ...(options.outboxPage === true ? { outboxPage: true } : {}),
    ...(options.control ? { controlKey: randomBytes(24).toString('base64url') } : {}),
  };
  return { context, app: createTenantApp(context) };
}

type StartLineFacts = Pick<
  RunningTenant,
  'domain' | 'issuer' | 'caFile' | 'clientId' | 'clientSecret' | 'controlKey'
>;

function startLineJson(tenant: StartLineFacts): string {
  return JSON.stringify({
    domain: tenant.domain,
    issuer: tenant.issuer,
    ca_file: tenant.caFile,
    client_id: tenant.clientId,
    client_secret: tenant.clientSecret,
    ...(tenant.controlKey ? { control_key: tenant.controlKey } : {}),
  });
}

/** The `LOCAL_TENANT {json}` line scripts parse (DESIGN.md): domain, issuer, CA file, bootstrap credentials. */
export function localTenantLine(tenant: StartLineFacts): string {
  return `LOCAL_TENANT ${startLineJson(tenant)}`;
}

/**
 * `npm start`'s start line (DESIGN.md): a person watches that terminal, so the same JSON goes to `file`, readable
 * only by the user, and the line names the file instead of carrying the bootstrap client's secret.
 */
export function writeLocalTenantFile(tenant: StartLineFacts, file: string): string {
  const absolute = resolve(file);
  writePrivateFile(absolute, startLineJson(tenant));
  return `LOCAL_TENANT_FILE ${absolute}`;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      done();
    });
  });
}

/** Written whole under a new name (mode 0600) and renamed: a reader never sees half a file or a wider mode. */
function writePrivateFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}.tmp`;
  writeFileSync(staging, text, { mode: 0o600 });
  renameSync(staging, file);
}
