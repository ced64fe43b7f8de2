import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { type PlanHeader, planGroupLine, policyOf } from './plan-file.ts';
import type { GroupPlan, PlannerCounts, PlanPolicy } from './planner.ts';

export interface PlanSummary extends PlannerCounts {
  /** Groups of two or more accounts a login could join: one plan line each. */
  groups: number;
  /** Groups where at least one account links. */
  linkGroups: number;
  /** Accounts that will be linked into a primary. */
  secondaries: number;
  /** Accounts left alone, by reason. */
  skipped: Record<string, number>;
  /** Groups where nothing links, by group reason. */
  skippedGroups: Record<string, number>;
}

/** What plans groups: `DuplicatePlanner` in memory, `SpillingPlanner` through files. */
export interface GroupPlanner {
  readonly counts: PlannerCounts;
  plan(policy: PlanPolicy): Iterable<GroupPlan> | AsyncIterable<GroupPlan>;
}

/**
 * Plans `planner`'s users into `file` (header, then one line per group), written to a temporary name and
 * renamed, so a plan on disk is always whole; on failure (Ctrl-C included) the temporary file is removed.
 */
export async function writePlan(
  planner: GroupPlanner,
  header: PlanHeader,
  file: string,
): Promise<PlanSummary> {
  const policy = policyOf(header);
  const staging = `${file}.${process.pid}.tmp`;
  const fd = openSync(staging, 'w', 0o600);
  const summary = emptySummary(planner.counts);
  try {
    await writeStaging(fd, planner, policy, header, summary);
    renameSync(staging, file);
  } catch (error) {
    rmSync(staging, { force: true });
    throw error;
  }
  return summary;
}

async function writeStaging(
  fd: number,
  planner: GroupPlanner,
  policy: PlanPolicy,
  header: PlanHeader,
  summary: PlanSummary,
): Promise<void> {
  try {
    let buffer = `${JSON.stringify(header)}\n`;
    let group = 0;
    for await (const plan of planner.plan(policy)) {
      group += 1;
      count(summary, plan);
      buffer += planGroupLine(group, plan);
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    writeSync(fd, buffer);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function emptySummary(counts: PlannerCounts): PlanSummary {
  return { ...counts, groups: 0, linkGroups: 0, secondaries: 0, skipped: {}, skippedGroups: {} };
}

function count(summary: PlanSummary, plan: GroupPlan): void {
  summary.groups += 1;
  if (plan.secondaries.length > 0) summary.linkGroups += 1;
  else summary.skippedGroups[plan.reason] = (summary.skippedGroups[plan.reason] ?? 0) + 1;
  summary.secondaries += plan.secondaries.length;
  for (const { reason } of plan.skipped) summary.skipped[reason] = (summary.skipped[reason] ?? 0) + 1;
}

/** The table printed after planning: figures a reviewer checks before `--apply`. */
export function formatSummary(summary: PlanSummary): string {
  const rows: Array<[string, number]> = [
    ['users read', summary.users],
    ['users without email', summary.withoutEmail],
    ['emails held by 2+ accounts', summary.groups],
    ['groups with a link to make', summary.linkGroups],
    ['accounts to link into a primary', summary.secondaries],
    ...Object.entries(summary.skipped)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, n]): [string, number] => [`accounts skipped: ${reason}`, n]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, n]) => `${label.padEnd(width)}  ${n.toLocaleString('en-US')}`).join('\n');
}
