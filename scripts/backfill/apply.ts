import { planMetadataMerge } from '../../actions/account-linking/merge.ts';
import { ACCOUNT_LINKING_KEY } from '../../actions/account-linking/policy.ts';
import { type ManagementUser, splitUserId } from '../../actions/account-linking/users.ts';
import { isFinal, type JournalState, type JournalWriter, type StepKind } from './journal.ts';
import { linkRecordOf, withLinkRecord } from './link-record.ts';
import type { BackfillPort } from './management.ts';
import { type ParsedPlan, type PlanGroupLine, policyOf } from './plan-file.ts';
import { planGroup } from './planner.ts';
import type { Progress } from './progress.ts';
import type { RequestStats } from './rate.ts';

export interface ApplyOptions {
  plan: ParsedPlan;
  /** What the journal already holds (from `parseJournal`); updated as steps complete. */
  state: JournalState;
  journal: JournalWriter;
  port: BackfillPort;
  stats: RequestStats;
  /** Groups worked on at once (secondaries of one group always go one after another). */
  concurrency: number;
  progress?: Progress;
  /** Stops starting new steps (Ctrl-C): what is under way finishes and is journalled. */
  signal?: AbortSignal;
  now?: () => Date;
}

export interface ApplyReport {
  /** Secondaries in the plan. */
  planned: number;
  /** Already finished by an earlier run (read from the journal). */
  resumed: number;
  linked: number;
  alreadyLinked: number;
  skipped: Record<string, number>;
  /** Not reached (the run was stopped). */
  remaining: number;
  requests: number;
  rateLimited: number;
  serverErrors: number;
  seconds: number;
  requestsPerSecond: number;
}

/**
 * Carries out a plan, secondary by secondary, in the Action's order: re-check both accounts with the Action's
 * policy, merge metadata into the primary (with a record of the secondary's metadata for `unlink`), then link.
 * Each completed step is journalled before the next starts, so a killed run resumes without repeating a write:
 * after `merged` only the link is left; a link the journal missed is found as "already linked".
 */
export async function applyPlan(options: ApplyOptions): Promise<ApplyReport> {
  const { plan, state, journal, port, stats } = options;
  const policy = policyOf(plan.header);
  const now = options.now ?? (() => new Date());
  const started = performance.now();
  const requestsBefore = stats.requests;
  const report: ApplyReport = {
    planned: 0,
    resumed: 0,
    linked: 0,
    alreadyLinked: 0,
    skipped: {},
    remaining: 0,
    requests: 0,
    rateLimited: 0,
    serverErrors: 0,
    seconds: 0,
    requestsPerSecond: 0,
  };
  const work: PlanGroupLine[] = [];
  for (const { group } of plan.groups) {
    report.planned += group.secondaries.length;
    const open = group.secondaries.filter((id) => !isFinal(state.get(id)));
    report.resumed += group.secondaries.length - open.length;
    if (open.length > 0) work.push(group);
  }
  let done = report.resumed;

  const record = (group: PlanGroupLine, secondary: string, step: StepKind, reason?: string) => {
    journal.record(
      { group: group.group, primary: group.primary, secondary, step, ...(reason ? { reason } : {}) },
      now(),
    );
    state.set(secondary, step);
    if (step === 'merged') return;
    done += 1;
    if (step === 'linked') report.linked += 1;
    else if (step === 'already_linked') report.alreadyLinked += 1;
    else report.skipped[reason ?? 'unknown'] = (report.skipped[reason ?? 'unknown'] ?? 0) + 1;
    options.progress?.update(done, stats.requests - requestsBefore);
  };

  const applySecondary = async (group: PlanGroupLine, secondaryId: string): Promise<void> => {
    const primary = await port.getUser(group.primary);
    if (primary === undefined) return record(group, secondaryId, 'skipped', 'primary_gone');
    const secondary = await port.getUser(secondaryId);
    if (secondary === undefined) {
      // Linked by a login (or by a run the journal missed), or deleted.
      return holdsIdentity(primary, secondaryId)
        ? record(group, secondaryId, 'already_linked')
        : record(group, secondaryId, 'skipped', 'secondary_gone');
    }
    const check = planGroup([primary, secondary], policy);
    if (check.primary !== primary.user_id) return record(group, secondaryId, 'skipped', 'primary_changed');
    if (!check.secondaries.includes(secondaryId)) {
      const reason = check.skipped.find((s) => s.user_id === secondaryId)?.reason ?? 'primary_not_linkable';
      return record(group, secondaryId, 'skipped', `now_${reason}`);
    }
    if (state.get(secondaryId) !== 'merged') {
      const patch = planMetadataMerge(primary, secondary, policy.mergeAppMetadataKeys) ?? {};
      if (linkRecordOf(primary, secondaryId) === undefined) {
        patch.app_metadata = {
          ...(patch.app_metadata ?? {}),
          [ACCOUNT_LINKING_KEY]: withLinkRecord(primary, secondary, now()),
        };
      }
      // Never an empty object: Auth0 reads `user_metadata: {}` as "delete it all".
      if (patch.user_metadata !== undefined || patch.app_metadata !== undefined)
        await port.patchUser(primary.user_id, patch);
      record(group, secondaryId, 'merged');
    }
    const result = await port.link(primary.user_id, secondaryId);
    record(group, secondaryId, result === 'linked' ? 'linked' : 'already_linked');
  };

  let next = 0;
  const worker = async () => {
    for (;;) {
      if (options.signal?.aborted) return;
      const group = work[next++];
      if (group === undefined) return;
      for (const secondaryId of group.secondaries) {
        if (options.signal?.aborted) return;
        if (!isFinal(state.get(secondaryId))) await applySecondary(group, secondaryId);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));

  report.remaining = report.planned - done;
  report.requests = stats.requests - requestsBefore;
  report.rateLimited = stats.rateLimited;
  report.serverErrors = stats.serverErrors;
  report.seconds = (performance.now() - started) / 1000;
  report.requestsPerSecond = report.seconds > 0 ? report.requests / report.seconds : 0;
  options.progress?.finish(done, report.requests);
  return report;
}

export function holdsIdentity(primary: ManagementUser, secondaryId: string): boolean {
  const { provider, user_id } = splitUserId(secondaryId);
  return (primary.identities ?? [])
    .slice(1)
    .some((identity) => identity.provider === provider && String(identity.user_id) === user_id);
}

export function formatReport(report: ApplyReport): string {
  const rows: Array<[string, string]> = [
    ['accounts in the plan', String(report.planned)],
    ['finished by an earlier run', String(report.resumed)],
    ['linked', String(report.linked)],
    ['already linked (by a login meanwhile)', String(report.alreadyLinked)],
    ...Object.entries(report.skipped).map(([reason, n]): [string, string] => [
      `skipped: ${reason}`,
      String(n),
    ]),
    ['not reached (stopped)', String(report.remaining)],
    ['Management requests', String(report.requests)],
    ['answered 429 / 5xx (retried)', `${report.rateLimited} / ${report.serverErrors}`],
    ['time', `${report.seconds.toFixed(1)} s (${report.requestsPerSecond.toFixed(1)} req/s)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
