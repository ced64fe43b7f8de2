import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { ACTION_CODE_LIMIT_BYTES } from '../build-action.ts';
import { DeployError } from './errors.ts';
import { ACTION_NAME, type BindingEntry, type KeywordMappings, replaceKeywords } from './keywords.ts';

export interface DesiredClient {
  name: string;
  [field: string]: unknown;
}

export interface DesiredGrant {
  client_id: string;
  audience: string;
  scope: string[];
}

/** A non-database connection; `enabled_clients` holds client names, as a0deploy reads them. */
export interface DesiredConnection {
  name: string;
  strategy: string;
  enabled_clients: string[];
}

export interface DesiredAction {
  name: string;
  code: string;
  runtime: string;
  dependencies: unknown[];
  supported_triggers: Array<{ id: string; version: string }>;
  secrets: Array<{ name: string; value: string }>;
}

/** tenant.yaml after keyword replacement, as a0deploy will send it. */
export interface DesiredTenant {
  clients: DesiredClient[];
  clientGrants: DesiredGrant[];
  connections: DesiredConnection[];
  action: DesiredAction;
  postLoginBindings: BindingEntry[];
}

interface TenantDocument {
  clients?: unknown;
  clientGrants?: unknown;
  connections?: unknown;
  actions?: unknown;
  triggers?: { 'post-login'?: unknown };
}

/** The Action's code file named in tenant.yaml, resolved as a0deploy resolves it: against the file's folder. */
export function actionCodePath(tenantFile: string): string {
  const action = findAction(parse(readTenantFile(tenantFile), tenantFile));
  return path.resolve(path.dirname(tenantFile), action.code);
}

/** The names of the connections tenant.yaml declares (no keyword is needed to read them). */
export function declaredConnectionNames(tenantFile: string): string[] {
  const doc = parse(readTenantFile(tenantFile), tenantFile);
  return listOf<{ name: string }>(doc.connections ?? [], 'connections').map((c) => c.name);
}

/** The bundle must exist and fit Auth0's limit; checked before any request. */
export function checkActionBundle(file: string): number {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new DeployError('bundle_missing', `${file} does not exist: run npm run build`);
  }
  if (size > ACTION_CODE_LIMIT_BYTES) {
    throw new DeployError(
      'bundle_too_large',
      `${path.basename(file)} is ${size} bytes: Auth0 accepts Action code of at most ${ACTION_CODE_LIMIT_BYTES} bytes`,
    );
  }
  return size;
}

export function loadDesiredTenant(tenantFile: string, mappings: KeywordMappings): DesiredTenant {
  const doc = parse(replaceKeywords(readTenantFile(tenantFile), mappings), tenantFile);
  const action = findAction(doc);
  const codeFile = path.resolve(path.dirname(tenantFile), action.code);
  const code = replaceKeywords(readFileSync(codeFile, 'utf8'), mappings);
  const bindings = doc.triggers?.['post-login'];
  return {
    clients: listOf<DesiredClient>(doc.clients, 'clients'),
    clientGrants: listOf<DesiredGrant>(doc.clientGrants, 'clientGrants'),
    connections: listOf<DesiredConnection>(doc.connections ?? [], 'connections').map((c) => ({
      name: c.name,
      strategy: c.strategy,
      enabled_clients: c.enabled_clients ?? [],
    })),
    action: {
      name: action.name,
      code,
      runtime: action.runtime ?? 'node22',
      dependencies: action.dependencies ?? [],
      supported_triggers: action.supported_triggers ?? [],
      secrets: (action.secrets ?? []).map((s) => ({ name: s.name, value: String(s.value ?? '') })),
    },
    postLoginBindings: listOf<BindingEntry>(bindings, 'triggers.post-login'),
  };
}

interface ActionDocument {
  name: string;
  code: string;
  runtime?: string;
  dependencies?: unknown[];
  supported_triggers?: Array<{ id: string; version: string }>;
  secrets?: Array<{ name: string; value?: unknown }>;
}

function readTenantFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new DeployError('tenant_file_invalid', `cannot read ${file}`, { cause });
  }
}

function parse(text: string, file: string): TenantDocument {
  try {
    const doc = yaml.load(text);
    if (typeof doc === 'object' && doc !== null) return doc as TenantDocument;
  } catch (cause) {
    throw new DeployError('tenant_file_invalid', `${file} is not valid YAML`, { cause });
  }
  throw new DeployError('tenant_file_invalid', `${file} must be a YAML mapping`);
}

function findAction(doc: TenantDocument): ActionDocument {
  const action = listOf<ActionDocument>(doc.actions, 'actions').find((a) => a.name === ACTION_NAME);
  if (!action || typeof action.code !== 'string') {
    throw new DeployError(
      'tenant_file_invalid',
      `tenant.yaml must declare the Action ${ACTION_NAME} with code`,
    );
  }
  return action;
}

function listOf<T>(value: unknown, field: string): T[] {
  if (!Array.isArray(value))
    throw new DeployError('tenant_file_invalid', `tenant.yaml: ${field} must be a list`);
  return value as T[];
}
