import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ManagementApiError } from '../core/management-client.ts';
import { buildAction } from './build-action.ts';
import { type RunImport, runA0deployImport } from './deploy/a0deploy.ts';
import { type DeployConfig, type DeployEnv, parseDeployEnv } from './deploy/config.ts';
import { type Change, diffTenant } from './deploy/diff.ts';
import { DeployConfigError, DeployError } from './deploy/errors.ts';
import { actionFingerprint, FINGERPRINT_METADATA_KEY, fingerprintRecord } from './deploy/fingerprint.ts';
import {
  a0deployEnvironment,
  INCLUDED_TYPES,
  keywordMappings,
  type TenantFacts,
  unresolvedKeywords,
} from './deploy/keywords.ts';
import { createDeployLog, type DeployLog, type LineSink } from './deploy/log.ts';
import { createDeployPort, type DeployPort } from './deploy/management.ts';
import {
  actionCodePath,
  checkActionBundle,
  type DesiredTenant,
  declaredConnectionNames,
  loadDesiredTenant,
} from './deploy/tenant-file.ts';
import {
  type ClientCredentials,
  clientCredentials,
  pendingFacts,
  readTenantState,
  type TenantState,
} from './deploy/tenant-state.ts';

export { DeployConfigError, DeployError } from './deploy/errors.ts';
export type { ClientCredentials } from './deploy/tenant-state.ts';

export const TENANT_FILE = path.resolve(import.meta.dirname, '..', 'tenant.yaml');

export interface DeployOptions {
  /** Default: tenant.yaml at the repository root. */
  tenantFile?: string;
  /** Run `npm run build` first (default true). */
  build?: boolean;
  /** Where the (masked) log lines go; default stdout. */
  log?: LineSink;
  /** CA file a0deploy must trust (a local tenant); default `NODE_EXTRA_CA_CERTS` of this process. */
  caFile?: string;
  /** `AUTH0_API_MAX_RETRIES` for a0deploy's SDK (its default is 10). */
  maxRetries?: number;
  /** Boundaries, replaceable in tests. */
  createManagement?: (config: DeployConfig) => DeployPort;
  runImport?: RunImport;
  buildAction?: () => Promise<unknown>;
}

export interface DeployResult {
  clients: { action: ClientCredentials; web: ClientCredentials; reauth: ClientCredentials };
  /** What differed before the deploy; empty when it was a no-op. */
  changes: Change[];
  /** a0deploy imports run (0 when nothing changed, 2 on a fresh tenant). */
  imports: number;
  /** Management requests this script sent (a0deploy's own are not counted). */
  requests: number;
}

export interface PlanResult {
  changes: Change[];
  requests: number;
}

/**
 * Deploys tenant.yaml: validates, builds, then imports with a0deploy only what differs. A fresh tenant takes two
 * imports: the clients first, because the Action's secrets include the M2M client's generated secret.
 */
export async function deploy(env: DeployEnv, options: DeployOptions = {}): Promise<DeployResult> {
  const { config, log, tenantFile, port, connections } = await prepare(env, options);
  const runImport = options.runImport ?? runA0deployImport;
  let imports = 0;
  const importTypes = async (facts: TenantFacts, types: readonly string[], what: string) => {
    const mappings = keywordMappings(config, facts);
    log(`a0deploy import (${what})`);
    const started = performance.now();
    await runImport(
      {
        tenantFile,
        env: a0deployEnvironment(config, mappings, {
          includedTypes: types,
          ...(process.env.PATH ? { path: process.env.PATH } : {}),
          ...caFile(options),
          ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
        }),
      },
      log,
    );
    imports += 1;
    log(`a0deploy import (${what}) done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };

  let state = await readTenantState(port, connections);
  if (!state.facts) {
    log('the Action client or the re-authentication client does not exist yet: creating the clients first');
    await importTypes(pendingFacts(state.snapshot), INCLUDED_TYPES.clientsOnly, 'clients and grants');
    state = await readTenantState(port, connections);
  }
  const facts = requireFacts(state);
  log.addSecret(facts.actionClient.client_secret);
  const desired = desiredTenant(tenantFile, config, facts);
  const fingerprint = actionFingerprint(desired.action, facts.actionClient.client_secret);
  const changes = diffTenant(desired, state.snapshot, { fingerprint });
  if (changes.length === 0) {
    log(`${config.domain} already matches tenant.yaml: nothing to import, no new Action version`);
  } else {
    printChanges(log, changes, 'applying');
    await importTypes(facts, INCLUDED_TYPES.all, 'clients, grants, Action, post-login binding');
    state = await readTenantState(port, connections);
    const remaining = diffTenant(desired, state.snapshot, { fingerprint: 'ignore' });
    if (remaining.length > 0) {
      printChanges(log, remaining, 'still different after the import');
      throw new DeployError(
        'import_incomplete',
        'the tenant still differs from tenant.yaml after the import',
      );
    }
    await recordFingerprint(port, state, fingerprint);
    log(`deployed ${desired.action.name} version ${state.snapshot.action?.deployed_version?.number ?? '?'}`);
  }
  const clients = await clientCredentials(port, state.snapshot.clients);
  return { clients, changes, imports, requests: port.requests };
}

/** What a deploy would change (`--dry-run`), or whether the tenant drifted (`--check`); writes nothing. */
export async function planDeploy(env: DeployEnv, options: DeployOptions = {}): Promise<PlanResult> {
  const { config, tenantFile, port, connections } = await prepare(env, options);
  const state = await readTenantState(port, connections);
  const facts = state.facts ?? pendingFacts(state.snapshot);
  const desired = desiredTenant(tenantFile, config, facts);
  const fingerprint = state.facts
    ? actionFingerprint(desired.action, state.facts.actionClient.client_secret)
    : undefined;
  return { changes: diffTenant(desired, state.snapshot, { fingerprint }), requests: port.requests };
}

/** Everything local, in order, before the first request: config, build, bundle, tenant.yaml. */
async function prepare(env: DeployEnv, options: DeployOptions) {
  const log = createDeployLog(options.log ?? ((line) => console.log(line)));
  for (const name of ['AUTH0_CLIENT_SECRET', 'SESSION_TOKEN_SECRET']) {
    const value = env[name];
    if (value) log.addSecret(value);
  }
  const config = parseDeployEnv(env);
  const tenantFile = path.resolve(options.tenantFile ?? TENANT_FILE);
  if (options.build ?? true) await (options.buildAction ?? buildAction)();
  const bytes = checkActionBundle(actionCodePath(tenantFile));
  log(`${path.relative(process.cwd(), actionCodePath(tenantFile))}: ${bytes} bytes; tenant ${config.domain}`);
  const port = (options.createManagement ?? createDeployPort)(config);
  return { config, log, tenantFile, port, connections: declaredConnectionNames(tenantFile) };
}

function desiredTenant(tenantFile: string, config: DeployConfig, facts: TenantFacts): DesiredTenant {
  const desired = loadDesiredTenant(tenantFile, keywordMappings(config, facts));
  const leftover = unresolvedKeywords(JSON.stringify(desired));
  if (leftover.length > 0) {
    throw new DeployError(
      'tenant_file_invalid',
      `tenant.yaml uses keywords the deploy does not define: ${leftover}`,
    );
  }
  return desired;
}

function requireFacts(state: TenantState): TenantFacts {
  if (!state.facts) {
    throw new DeployError('import_incomplete', 'the clients are still missing after importing them');
  }
  return state.facts;
}

async function recordFingerprint(port: DeployPort, state: TenantState, fingerprint: string): Promise<void> {
  const { action, clients } = state.snapshot;
  const actionClient = clients.find((c) => c.client_id === state.facts?.actionClient.client_id);
  const versionId = action?.deployed_version?.id;
  if (!actionClient || !versionId)
    throw new DeployError('import_incomplete', 'no deployed Action version found');
  await port.setClientMetadata(actionClient.client_id, {
    ...actionClient.client_metadata,
    [FINGERPRINT_METADATA_KEY]: fingerprintRecord(versionId, fingerprint),
  });
}

function caFile(options: DeployOptions): { caFile?: string } {
  const file = options.caFile ?? process.env.NODE_EXTRA_CA_CERTS;
  return file ? { caFile: file } : {};
}

function printChanges(log: DeployLog | LineSink, changes: readonly Change[], heading: string): void {
  log(`${heading}:`);
  for (const change of changes) log(`  ${change.action} ${change.resource}: ${change.detail}`);
}

const DEPLOY_USAGE = 'usage: npm run deploy [-- --dry-run | --check | --help]';

/** `npm run deploy [-- --dry-run | --check]`: exit 0 done or in sync, 1 drift (`--check`), 2 refused or failed. */
async function main(argv: readonly string[], env: DeployEnv): Promise<number> {
  const secrets = [env.AUTH0_CLIENT_SECRET, env.SESSION_TOKEN_SECRET].filter((v): v is string => Boolean(v));
  const out = createDeployLog((line) => console.log(line), secrets);
  const err = createDeployLog((line) => console.error(line), secrets);
  let flags: { 'dry-run'?: boolean; check?: boolean; help?: boolean };
  try {
    ({ values: flags } = parseArgs({
      args: [...argv],
      options: { 'dry-run': { type: 'boolean' }, check: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (cause) {
    err(`${(cause as Error).message}; ${DEPLOY_USAGE}`);
    return 2;
  }
  if (flags.help) {
    out(DEPLOY_USAGE);
    return 0;
  }
  try {
    if (flags.check || flags['dry-run']) {
      const check = flags.check === true;
      const { changes } = await planDeploy(env, { log: out });
      if (changes.length === 0) {
        out('the tenant matches tenant.yaml');
        return 0;
      }
      printChanges(out, changes, check ? 'the tenant differs from tenant.yaml' : 'a deploy would change');
      return check ? 1 : 0;
    }
    const { changes, imports } = await deploy(env, { log: out });
    out(changes.length === 0 ? 'deploy: no changes' : `deploy: done (${imports} a0deploy import(s))`);
    return 0;
  } catch (error) {
    if (error instanceof DeployConfigError) {
      err('deploy refused before any request to the tenant:');
      for (const problem of error.problems) err(`  ${problem.variable}: ${problem.message}`);
      return 2;
    }
    if (error instanceof DeployError || error instanceof ManagementApiError) {
      err(`deploy failed (${error.code}): ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
