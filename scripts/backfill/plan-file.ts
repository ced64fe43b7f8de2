import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parsePrimaryPolicy, primaryPolicyText } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { FileLineError } from './errors.ts';
import type { GroupPlan, MemberSkipReason, PlanPolicy } from './planner.ts';
import { asciiJson, fileLines, forEachLine, hashKey, type Partition, PartitionWriter } from './spill.ts';

export const PLAN_VERSION = 1;

export interface PlanHeader {
  type: 'header';
  version: typeof PLAN_VERSION;
  /** The tenant the plan was made for: `AUTH0_DOMAIN`, lower-cased. */
  tenant: string;
  created_at: string;
  source: 'export' | 'listing' | 'file';
  config: {
    auto_link_connections: readonly string[] | '*';
    merge_app_metadata_keys: readonly string[];
    /** `PRIMARY_POLICY` as spelt there; a plan without it was made under `oldest`. */
    primary_policy: string;
  };
}

export interface PlanGroupLine extends GroupPlan {
  type: 'group';
  /** 1-based, in file order. */
  group: number;
}

/** A plan checked whole; its groups are read again from the file, one at a time (`readGroups`). */
export interface ParsedPlan {
  file: string;
  header: PlanHeader;
  groups: number;
  /** Accounts to link, over every group. */
  secondaries: number;
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
      primary_policy: primaryPolicyText(policy.primaryPolicy),
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
    primaryPolicy: parsePrimaryPolicy(header.config.primary_policy),
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
 * Reads a whole plan before anything is applied, in bounded memory: every line must parse, the header must name
 * `tenant`, and no account may appear twice (checked through hash partitions in a directory beside the plan).
 * The first bad line stops it, named.
 */
export function checkPlan(file: string, tenant: string): ParsedPlan {
  const fail = (line: number, reason: string) => new FileLineError('invalid_plan', file, line, reason);
  const hash = createHash('sha256');
  const lines = fileLines(file, 'utf8', (bytes) => hash.update(bytes));
  const first = lines.next();
  if (first.done === true && first.value === '') throw fail(1, 'the plan is empty (expected a header line)');
  const header = parseHeader(parseJson(first.value, 1, fail), fail);
  if (header.tenant !== tenant.toLowerCase()) {
    throw new FileLineError(
      'plan_tenant_mismatch',
      file,
      1,
      `the plan was made for ${header.tenant}, not for AUTH0_DOMAIN ${tenant}`,
    );
  }
  const dir = mkdtempSync(path.join(path.dirname(path.resolve(file)), '.link-existing-check-'));
  try {
    const accounts = new PartitionWriter(dir, 'ids', ID_PARTITIONS);
    let groups = 0;
    let secondaries = 0;
    let line = 1;
    for (let next = lines.next(); ; next = lines.next()) {
      if (next.done === true && next.value === '') break;
      line += 1;
      const group = parseGroup(parseJson(next.value, line, fail), line, fail);
      if (group.group !== groups + 1) throw fail(line, `expected group ${groups + 1}`);
      groups += 1;
      secondaries += group.secondaries.length;
      for (const id of [group.primary, ...group.secondaries]) {
        const json = asciiJson(JSON.stringify(id));
        accounts.add(hashKey(json) % ID_PARTITIONS, `${json}\t${line}\n`);
      }
      if (next.done === true) break;
    }
    const repeat = firstRepeat(accounts.close());
    if (repeat !== undefined) throw fail(repeat.line, `account ${repeat.id} appears in two groups`);
    return { file, header, groups, secondaries, sha256: hash.digest('hex') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ID_PARTITIONS = 64;

/** The account named again on the earliest line, over every partition. */
function firstRepeat(partitions: Partition[]): { id: string; line: number } | undefined {
  let first: { id: string; line: number } | undefined;
  for (const partition of partitions) {
    const seen = new Set<string>();
    forEachLine(partition, (entry) => {
      const tab = entry.indexOf('\t');
      const json = entry.slice(0, tab);
      const line = Number(entry.slice(tab + 1));
      if (!seen.has(json)) seen.add(json);
      else if (first === undefined || line < first.line) first = { id: JSON.parse(json) as string, line };
    });
  }
  return first;
}

/** The groups of a plan `checkPlan` accepted, read again one line at a time. */
export function* readGroups(plan: ParsedPlan): Generator<PlanGroupLine> {
  const fail = (line: number, reason: string) => new FileLineError('invalid_plan', plan.file, line, reason);
  const lines = fileLines(plan.file, 'utf8');
  lines.next();
  let line = 1;
  for (let next = lines.next(); next.value !== ''; next = lines.next()) {
    line += 1;
    yield parseGroup(parseJson(next.value, line, fail), line, fail);
    if (next.done === true) return;
  }
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
  const primaryPolicy = config?.primary_policy ?? 'oldest';
  if (typeof primaryPolicy !== 'string' || !isPrimaryPolicy(primaryPolicy))
    throw fail(1, '"config.primary_policy" must be a PRIMARY_POLICY value');
  return {
    type: 'header',
    version: PLAN_VERSION,
    tenant: value.tenant.toLowerCase(),
    created_at: value.created_at,
    source: value.source,
    config: {
      auto_link_connections: connections,
      merge_app_metadata_keys: keys,
      primary_policy: primaryPolicy,
    },
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

function isPrimaryPolicy(value: string): boolean {
  try {
    parsePrimaryPolicy(value);
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}
