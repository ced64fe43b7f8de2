import { createHash } from 'node:crypto';
import { FileLineError } from './errors.ts';
import type { GroupPlan, MemberSkipReason, PlanPolicy } from './planner.ts';

export const PLAN_VERSION = 1;

export interface PlanHeader {
  type: 'header';
  version: typeof PLAN_VERSION;
  /** The tenant the plan was made for: `AUTH0_DOMAIN`, lower-cased. */
  tenant: string;
  created_at: string;
  source: 'export' | 'listing' | 'file';
  config: { auto_link_connections: readonly string[] | '*'; merge_app_metadata_keys: readonly string[] };
}

export interface PlanGroupLine extends GroupPlan {
  type: 'group';
  /** 1-based, in file order. */
  group: number;
}

export interface ParsedPlan {
  file: string;
  header: PlanHeader;
  /** Each group with the 1-based line it sits on. */
  groups: Array<{ line: number; group: PlanGroupLine }>;
  sha256: string;
}

export function planHeader(
  tenant: string,
  policy: PlanPolicy,
  source: PlanHeader['source'],
  now: Date,
): PlanHeader {
  return {
    type: 'header',
    version: PLAN_VERSION,
    tenant,
    created_at: now.toISOString(),
    source,
    config: {
      auto_link_connections: policy.autoLinkConnections,
      merge_app_metadata_keys: policy.mergeAppMetadataKeys,
    },
  };
}

export function planGroupLine(group: number, plan: GroupPlan): string {
  const line: PlanGroupLine = { type: 'group', group, ...plan };
  return `${JSON.stringify(line)}\n`;
}

export function policyOf(header: PlanHeader): PlanPolicy {
  return {
    autoLinkConnections: header.config.auto_link_connections,
    mergeAppMetadataKeys: header.config.merge_app_metadata_keys,
  };
}

const SKIP_REASONS: ReadonlySet<string> = new Set<MemberSkipReason>([
  'email_not_verified',
  'blocked',
  'declined',
  'secondary_has_identities',
  'primary_not_linkable',
  'too_many_candidates',
  'email_case_differs',
  'connection_not_trusted',
  'non_ascii_email',
  'foreign_identity_on_primary',
]);

/**
 * Reads a whole plan before anything is applied: every line must parse, the header must name `tenant`, and no
 * account may appear twice. The first bad line stops it, named.
 */
export function parsePlan(text: string, file: string, tenant: string): ParsedPlan {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const fail = (line: number, reason: string) => new FileLineError('invalid_plan', file, line, reason);
  if (lines.length === 0) throw fail(1, 'the plan is empty (expected a header line)');
  const header = parseHeader(parseJson(lines[0] ?? '', 1, fail), fail);
  if (header.tenant !== tenant.toLowerCase()) {
    throw new FileLineError(
      'plan_tenant_mismatch',
      file,
      1,
      `the plan was made for ${header.tenant}, not for AUTH0_DOMAIN ${tenant}`,
    );
  }
  const seen = new Set<string>();
  const groups: ParsedPlan['groups'] = [];
  for (let index = 1; index < lines.length; index++) {
    const line = index + 1;
    const group = parseGroup(parseJson(lines[index] ?? '', line, fail), line, fail);
    if (group.group !== groups.length + 1) throw fail(line, `expected group ${groups.length + 1}`);
    for (const id of [group.primary, ...group.secondaries]) {
      if (seen.has(id)) throw fail(line, `account ${id} appears in two groups`);
      seen.add(id);
    }
    groups.push({ line, group });
  }
  return { file, header, groups, sha256: createHash('sha256').update(text).digest('hex') };
}

type Fail = (line: number, reason: string) => FileLineError;

function parseJson(text: string, line: number, fail: Fail): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail(line, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw fail(line, 'expected a JSON object');
  return value as Record<string, unknown>;
}

function parseHeader(value: Record<string, unknown>, fail: Fail): PlanHeader {
  if (value.type !== 'header') throw fail(1, 'expected the header line ("type":"header")');
  if (value.version !== PLAN_VERSION) throw fail(1, `unsupported plan version ${String(value.version)}`);
  if (typeof value.tenant !== 'string' || value.tenant === '') throw fail(1, '"tenant" must be a domain');
  if (typeof value.created_at !== 'string') throw fail(1, '"created_at" must be a date');
  if (value.source !== 'export' && value.source !== 'listing' && value.source !== 'file')
    throw fail(1, '"source" must be export, listing or file');
  const config = value.config as Record<string, unknown> | undefined;
  const connections = config?.auto_link_connections;
  const keys = config?.merge_app_metadata_keys;
  if (connections !== '*' && !isStringArray(connections))
    throw fail(1, '"config.auto_link_connections" must be "*" or a list of names');
  if (!isStringArray(keys)) throw fail(1, '"config.merge_app_metadata_keys" must be a list of keys');
  return {
    type: 'header',
    version: PLAN_VERSION,
    tenant: value.tenant.toLowerCase(),
    created_at: value.created_at,
    source: value.source,
    config: { auto_link_connections: connections, merge_app_metadata_keys: keys },
  };
}

function parseGroup(value: Record<string, unknown>, line: number, fail: Fail): PlanGroupLine {
  if (value.type !== 'group') throw fail(line, 'expected a group line ("type":"group")');
  if (!Number.isInteger(value.group)) throw fail(line, '"group" must be an integer');
  if (!isUserId(value.primary)) throw fail(line, '"primary" must be a user id (provider|id)');
  const secondaries = value.secondaries;
  if (!Array.isArray(secondaries) || !secondaries.every(isUserId))
    throw fail(line, '"secondaries" must be a list of user ids (provider|id)');
  if (secondaries.includes(value.primary)) throw fail(line, 'the primary is also a secondary');
  if (new Set(secondaries).size !== secondaries.length) throw fail(line, 'a secondary appears twice');
  if (typeof value.reason !== 'string') throw fail(line, '"reason" must be a string');
  const skipped = value.skipped;
  if (
    !Array.isArray(skipped) ||
    !skipped.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        isUserId((s as SkippedLike).user_id) &&
        SKIP_REASONS.has(String((s as SkippedLike).reason)),
    )
  )
    throw fail(line, '"skipped" must list {user_id, reason} with a known reason');
  return {
    type: 'group',
    group: value.group as number,
    primary: value.primary,
    secondaries,
    reason: value.reason as GroupPlan['reason'],
    skipped: skipped as GroupPlan['skipped'],
  };
}

interface SkippedLike {
  user_id?: unknown;
  reason?: unknown;
}

/** `provider|id`: a non-empty provider, then anything (ids like `samlp|acme|jdoe` hold more bars). */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && /^[^|\s]+\|\S+$/.test(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
