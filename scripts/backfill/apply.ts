import {
  LINK_RECORDS_KEY,
  linkRecordOf,
  patchPrimaryBeforeLink,
  withoutLinkRecord,
} from '../../core/link-record.ts';
import { ManagementApiError } from '../../core/management-client.ts';
import { planMetadataMerge } from '../../core/merge.ts';
import { holdsIdentity } from '../../core/unlink.ts';
import type { ManagementUser } from '../../core/users.ts';
import { LinkRefusalsError } from './errors.ts';
import { isFinal, type JournalState, type JournalWriter, type StepKind } from './journal.ts';
import type { BackfillPort } from './management.ts';
import { type ParsedPlan, type PlanGroupLine, policyOf, readGroups } from './plan-file.ts';
import { planGroup } from './planner.ts';
import type { Progress } from './progress.ts';
import type { RequestStats } from './rate.ts';

export interface ApplyOptions {
  plan: ParsedPlan;
  /** What the journal already holds (from `readJournal`); updated as steps complete, emptied as groups end. */
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
  /**
   * Of the skipped, those whose metadata was already merged into the primary (by this run or an earlier one):
   * the merged keys stay on the primary, the link record is removed so `unlink` does not act on them.
   */
  mergedNotLinked: number;
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
 * Each completed step is journalled before the next starts, so a killed run resumes without repeating a step:
 * after `merged` only the link is left (the link record is written again only when a skip removed it before the
 * kill); a merge the journal missed finds its keys already on the primary and sends nothing again; a link the
 * journal missed is found as "already linked".
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
    mergedNotLinked: 0,
    remaining: 0,
    requests: 0,
    rateLimited: 0,
    serverErrors: 0,
    seconds: 0,
    requestsPerSecond: 0,
  };
  report.planned = plan.secondaries;
  for (const step of state.values()) if (isFinal(step)) report.resumed += 1;
  let done = report.resumed;
  options.progress?.start(done);

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

  /**
   * Ends a secondary as skipped. After `merged`, the link record comes off the primary first (read again: the
   * record may be this run's own write): the secondary was never linked, so `unlink` must find nothing to give
   * back. The merged keys stay on the primary; the report counts them. Removed before the journal line, so a
   * kill in between repeats the removal, never leaves a record the journal calls skipped.
   */
  const skip = async (group: PlanGroupLine, secondaryId: string, reason: string): Promise<void> => {
    if (state.get(secondaryId) === 'merged') {
      const primary = await port.getUser(group.primary);
      if (primary !== undefined && linkRecordOf(primary, secondaryId) !== undefined) {
        await port.patchUser(primary.user_id, {
          app_metadata: { [LINK_RECORDS_KEY]: withoutLinkRecord(primary, secondaryId) },
        });
      }
      report.mergedNotLinked += 1;
    }
    record(group, secondaryId, 'skipped', reason);
  };

  /** Link refusals with one status since the last link, in the order they were answered (across workers). */
  let refusals: { status: number | undefined; count: number } = { status: undefined, count: 0 };

  const applySecondary = async (group: PlanGroupLine, secondaryId: string): Promise<void> => {
    const primary = await port.getUser(group.primary);
    if (primary === undefined) return skip(group, secondaryId, 'primary_gone');
    const secondary = await port.getUser(secondaryId);
    if (secondary === undefined) {
      // Linked by a login (or by a run the journal missed), or deleted.
      return holdsIdentity(primary, secondaryId)
        ? record(group, secondaryId, 'already_linked')
        : skip(group, secondaryId, 'secondary_gone');
    }
    const check = planGroup([primary, secondary], policy);
    if (check.primary !== primary.user_id) return skip(group, secondaryId, 'primary_changed');
    if (!check.secondaries.includes(secondaryId)) {
      const reason = check.skipped.find((s) => s.user_id === secondaryId)?.reason ?? 'primary_not_linkable';
      return skip(group, secondaryId, `now_${reason}`);
    }
    const merged = state.get(secondaryId) === 'merged';
    const planMerge = (current: ManagementUser) =>
      merged ? undefined : planMetadataMerge(current, secondary, policy.mergeAppMetadataKeys);
    // After `merged` the record is normally there; it is written again only if a skip removed it before a kill.
    if (linkRecordOf(primary, secondaryId) === undefined) {
      const how = { at: now(), via: 'backfill', reason: 'oldest' } as const;
      await patchPrimaryBeforeLink(port, primary, secondary, how, planMerge);
    } else {
      // Never an empty object: Auth0 reads `user_metadata: {}` as "delete it all".
      const merge = planMerge(primary);
      if (merge !== undefined) await port.patchUser(primary.user_id, merge);
    }
    if (!merged) record(group, secondaryId, 'merged');
    let result: 'linked' | 'already-linked';
    try {
      result = await port.link(primary.user_id, secondaryId);
    } catch (error) {
      const status = refusedForGood(error);
      if (status === undefined) throw error;
      refusals = refusals.status === status ? { status, count: refusals.count + 1 } : { status, count: 1 };
      // Thrown before the skip: this account stays `merged`, and a rerun links it once the cause is fixed.
      if (refusals.count >= REFUSALS_IN_A_ROW)
        throw new LinkRefusalsError(status, refusals.count, error as ManagementApiError);
      return skip(group, secondaryId, `link_refused_${status}`);
    }
    refusals = { status: undefined, count: 0 };
    record(group, secondaryId, result === 'linked' ? 'linked' : 'already_linked');
  };

  // The first failure stops every worker from taking new work; the steps under way finish and are journalled,
  // and only then is the error thrown: the caller closes the journal after it, so no step completes unjournalled.
  const failure = new AbortController();
  const stopped = () => options.signal?.aborted === true || failure.signal.aborted;
  // Groups are read from the plan as workers take them: a plan of any size is never held whole.
  const groups = readGroups(plan);
  const worker = async () => {
    while (!stopped()) {
      const next = groups.next();
      if (next.done === true) return;
      const group = next.value;
      for (const secondaryId of group.secondaries) {
        if (stopped()) return;
        if (isFinal(state.get(secondaryId))) continue;
        try {
          await applySecondary(group, secondaryId);
        } catch (error) {
          if (!failure.signal.aborted) failure.abort(error);
          return;
        }
      }
      // A finished group is never looked at again.
      for (const secondaryId of group.secondaries) state.delete(secondaryId);
    }
  };
  await Promise.allSettled(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  if (failure.signal.aborted) throw failure.signal.reason;

  report.remaining = report.planned - done;
  report.requests = stats.requests - requestsBefore;
  report.rateLimited = stats.rateLimited;
  report.serverErrors = stats.serverErrors;
  report.seconds = (performance.now() - started) / 1000;
  report.requestsPerSecond = report.seconds > 0 ? report.requests / report.seconds : 0;
  options.progress?.finish(done, report.requests);
  return report;
}

/** This many link refusals in a row with the same status stop the run (`LinkRefusalsError`). */
export const REFUSALS_IN_A_ROW = 5;

/**
 * The status of a link the tenant may have refused for this account alone (400 invalid pair, 404 gone, 409
 * conflict): skipping it lets the run go on, until `REFUSALS_IN_A_ROW` of them say otherwise. Any other answer,
 * 401/403 (the credential), another 4xx, 429 and 5xx (after retries), a network failure, concerns every account:
 * `undefined`, and the run stops.
 */
function refusedForGood(error: unknown): number | undefined {
  if (!(error instanceof ManagementApiError)) return undefined;
  return error.status === 400 || error.status === 404 || error.status === 409 ? error.status : undefined;
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
    [
      'of the skipped, merged but not linked (merged keys stay on the primary)',
      String(report.mergedNotLinked),
    ],
    ['not reached (stopped)', String(report.remaining)],
    ['Management requests', String(report.requests)],
    ['answered 429 / 5xx (retried)', `${report.rateLimited} / ${report.serverErrors}`],
    ['time', `${report.seconds.toFixed(1)} s (${report.requestsPerSecond.toFixed(1)} req/s)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
