import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { primaryPolicyText } from '../../core/config.ts';
import { UnlinkError } from '../../core/errors.ts';
import { type MergedKeys, mergedKeyPaths } from '../../core/link-record.ts';
import { ManagementApiError } from '../../core/management-client.ts';
import { type UnlinkResult, unlinkAccount } from '../../core/unlink.ts';
import { type ApplyReport, applyPlan, formatReport } from './apply.ts';
import { type BackfillConfig, parseBackfillEnv } from './config.ts';
import { BackfillConfigError, BackfillError, FileLineError } from './errors.ts';
import { JournalWriter, readJournal } from './journal.ts';
import { type BackfillPort, createBackfillPort } from './management.ts';
import { formatSummary, type PlanSummary, writePlan } from './plan.ts';
import { checkPlan, isUserId, type ParsedPlan, planHeader } from './plan-file.ts';
import { createPlanProgress, createProgress, type ProgressSink } from './progress.ts';
import { newRequestStats, type RequestStats } from './rate.ts';
import { SpillingPlanner } from './spilling-planner.ts';
import { interrupted, readExportFile, readTenantUsers } from './user-source.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CommandIo {
  out: (line: string) => void;
  err: ProgressSink;
}

/** Boundaries tests may replace. */
export interface CommandOptions {
  pollMs?: number;
  backoffMs?: number;
  signal?: AbortSignal;
  createPort?: (config: BackfillConfig, maxRps: number, stats: RequestStats) => BackfillPort;
}

export const LINK_EXISTING_USAGE = `usage: npm run link-existing -- --plan [--out plan.jsonl] [--from-export users.json.gz]
       npm run link-existing -- --apply plan.jsonl [--journal plan.jsonl.journal] [--max-rps 10] [--concurrency N] [--report report.json]`;
export const UNLINK_USAGE = 'usage: npm run unlink -- <primary_user_id> <provider|user_id>';
export const DEFAULTS = Object.freeze({ out: 'link-existing-plan.jsonl', maxRps: 10 });

export type PlanOutcome = { kind: 'plan'; file: string; summary: PlanSummary };
export type ApplyOutcome = { kind: 'apply'; report: ApplyReport };

/** `link-existing`: every input (arguments, environment, plan, journal) is checked before the first request. */
export async function linkExisting(
  argv: readonly string[],
  env: Env,
  io: CommandIo,
  options: CommandOptions = {},
): Promise<PlanOutcome | ApplyOutcome> {
  const args = parseLinkArgs(argv);
  const config = parseBackfillEnv(env);
  const stats = newRequestStats();
  const port = (maxRps: number) => (options.createPort ?? defaultPort(options))(config, maxRps, stats);
  const { signal } = options;
  // Said once, when Ctrl-C arrives; the listener goes with the command.
  const done = new AbortController();
  signal?.addEventListener(
    'abort',
    () =>
      io.err.write(
        args.mode === 'plan'
          ? '\nlink-existing: stopping; no plan is written (run again to plan)\n'
          : '\nlink-existing: stopping after the steps under way (run again to resume)\n',
      ),
    { once: true, signal: done.signal },
  );
  try {
    return args.mode === 'plan'
      ? await planCommand(args, { config, io, port, stats, options })
      : await applyCommand(args, { config, io, port, stats, options });
  } finally {
    done.abort();
  }
}

/** What both modes of `link-existing` work with, once the arguments and environment are checked. */
interface LinkRun {
  readonly config: BackfillConfig;
  readonly io: CommandIo;
  readonly port: (maxRps: number) => BackfillPort;
  readonly stats: RequestStats;
  readonly options: CommandOptions;
}

async function planCommand(
  args: Extract<LinkArgs, { mode: 'plan' }>,
  { config, io, port, options }: LinkRun,
): Promise<PlanOutcome> {
  const { signal } = options;
  const progress = createPlanProgress(io.err);
  const planner = new SpillingPlanner(args.out, {
    ...(signal ? { signal } : {}),
    progress: progress.planning,
  });
  let summary: PlanSummary;
  let source: 'export' | 'listing' | 'file' = 'file';
  try {
    const reading = { ...(signal ? { signal } : {}), progress: progress.reading };
    if (args.fromExport !== undefined) await readExportFile(args.fromExport, (u) => planner.add(u), reading);
    else {
      source = await readTenantUsers(port(args.maxRps), (u) => planner.add(u), {
        ...reading,
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        onFallback: (reason) => io.err.write(`link-existing: ${reason}; reading users page by page\n`),
      });
    }
    if (signal?.aborted === true) throw interrupted();
    summary = await writePlan(planner, planHeader(config.domain, config, source, new Date()), args.out);
  } finally {
    planner.close();
  }
  progress.finish(summary.users);
  io.out(formatSummary(summary));
  io.out(`plan written to ${args.out} (${source}); nothing was written to ${config.domain}`);
  return { kind: 'plan', file: args.out, summary };
}

async function applyCommand(
  args: Extract<LinkArgs, { mode: 'apply' }>,
  { config, io, port, stats, options }: LinkRun,
): Promise<ApplyOutcome> {
  const { signal } = options;
  const plan = readPlan(args.planFile, config);
  const journalFile = args.journal ?? `${args.planFile}.journal`;
  const state = existsSync(journalFile) ? readJournal(journalFile, plan) : new Map();
  const journal = JournalWriter.open(journalFile, {
    type: 'journal',
    version: 1,
    plan_sha256: plan.sha256,
    tenant: plan.header.tenant,
    started_at: new Date().toISOString(),
  });
  try {
    const report = await applyPlan({
      plan,
      state,
      journal,
      port: port(args.maxRps),
      stats,
      concurrency: args.concurrency,
      progress: createProgress(plan.secondaries, io.err),
      ...(signal ? { signal } : {}),
    });
    io.out(formatReport(report));
    if (args.report !== undefined) writeFileSync(args.report, `${JSON.stringify(report, null, 2)}\n`);
    return { kind: 'apply', report };
  } finally {
    journal.close();
  }
}

/**
 * Exit codes. `failed` also covers what no check named (a bug, an SDK surprise): "run again to resume" must only
 * be said when that is true.
 */
export const EXIT_CODES = Object.freeze({
  /** Nothing left to do. */
  done: 0,
  /** Ctrl-C: accounts remain (`--apply`: run again to resume) or no plan was written (`--plan`). */
  stopped: 1,
  /** Refused or failed; the message says why. */
  failed: 2,
});

/** A command as its script runs it: the exit code, with any failure printed. */
type ScriptCommand = (
  argv: readonly string[],
  env: Env,
  io: CommandIo,
  options?: CommandOptions,
) => Promise<number>;

export const runLinkExisting: ScriptCommand = (argv, env, io, options = {}) =>
  exitCode('link-existing', io, async () => {
    const outcome = await linkExisting(argv, env, io, options);
    return outcome.kind === 'apply' && outcome.report.remaining > 0 ? EXIT_CODES.stopped : EXIT_CODES.done;
  });

export const runUnlink: ScriptCommand = (argv, env, io, options = {}) =>
  exitCode('unlink', io, async () => {
    await unlink(argv, env, io, options);
    return EXIT_CODES.done;
  });

async function exitCode(command: string, io: CommandIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    return reportFailure(command, error, io);
  }
}

function reportFailure(command: string, error: unknown, io: CommandIo): number {
  if (error instanceof BackfillError && error.code === 'interrupted') {
    io.err.write(`${command}: ${error.message}\n`);
    return EXIT_CODES.stopped;
  }
  if (error instanceof BackfillConfigError)
    io.err.write(`${command} refused before any request: ${error.variable}: ${error.message}\n`);
  else if (error instanceof BackfillError || error instanceof ManagementApiError)
    io.err.write(`${command} failed (${error.code}): ${error.message}\n`);
  else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.err.write(`${command} failed unexpectedly: ${detail}\n`);
  }
  return EXIT_CODES.failed;
}

/** `unlink`: the environment is checked before the first request. */
export async function unlink(
  argv: readonly string[],
  env: Env,
  io: CommandIo,
  options: CommandOptions = {},
): Promise<UnlinkResult> {
  const [primaryId, secondaryId, ...extra] = argv;
  if (primaryId === undefined || secondaryId === undefined || extra.length > 0)
    throw new BackfillError('invalid_arguments', UNLINK_USAGE);
  for (const [name, id] of [
    ['primary_user_id', primaryId],
    ['provider|user_id', secondaryId],
  ] as const) {
    if (!isUserId(id)) throw new BackfillError('invalid_arguments', `${name} must look like provider|id`);
  }
  const config = parseBackfillEnv(env);
  const port = (options.createPort ?? defaultPort(options))(config, DEFAULTS.maxRps, newRequestStats());
  const result = await unlinkAccount(port, primaryId, secondaryId).catch((error: unknown) => {
    throw error instanceof UnlinkError
      ? new BackfillError('not_linked', error.message, { cause: error })
      : error;
  });
  io.out(
    `unlinked ${secondaryId} from ${primaryId}${result.unlinked ? '' : ' (finishing an earlier run)'}; ` +
      (result.restored.length > 0
        ? `restored its ${result.restored.join(' and ')}`
        : `metadata not restored (${result.notRestored ?? 'no_record'})`) +
      withdrawnText(result.withdrawn) +
      '; recorded as declined so the Action does not relink it',
  );
  return result;
}

function withdrawnText(keys: MergedKeys): string {
  const paths = mergedKeyPaths(keys);
  return paths.length > 0 ? `; took ${paths.join(', ')} back off the primary` : '';
}

function defaultPort(options: CommandOptions) {
  return (config: BackfillConfig, maxRps: number, stats: RequestStats): BackfillPort =>
    createBackfillPort({
      domain: config.domain,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      maxRps,
      stats,
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    });
}

/** The plan must parse whole, be for this tenant and have been made with the same policy settings. */
export function readPlan(file: string, config: BackfillConfig): ParsedPlan {
  try {
    accessSync(file, constants.R_OK);
  } catch (cause) {
    throw new BackfillError('invalid_arguments', `cannot read the plan ${file}`, { cause });
  }
  const plan = checkPlan(file, config.domain);
  const planned = plan.header.config;
  // Lists are sets: `a,b` and `b,a` decide alike.
  const same = (a: readonly string[] | '*', b: readonly string[] | '*') =>
    a === '*' || b === '*' ? a === b : JSON.stringify(sortedSet(a)) === JSON.stringify(sortedSet(b));
  if (!same(planned.auto_link_connections, config.autoLinkConnections)) {
    throw new FileLineError(
      'invalid_plan',
      file,
      1,
      'the plan was made with another AUTO_LINK_CONNECTIONS: plan again, or set the value the plan names',
    );
  }
  if (!same(planned.merge_app_metadata_keys, config.mergeAppMetadataKeys)) {
    throw new FileLineError(
      'invalid_plan',
      file,
      1,
      'the plan was made with another MERGE_APP_METADATA_KEYS: plan again, or set the value the plan names',
    );
  }
  if (planned.primary_policy !== primaryPolicyText(config.primaryPolicy)) {
    throw new FileLineError(
      'invalid_plan',
      file,
      1,
      `the plan was made with PRIMARY_POLICY=${planned.primary_policy}: plan again, or set the value the plan names`,
    );
  }
  return plan;
}

function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

type LinkArgs =
  | { mode: 'plan'; out: string; fromExport: string | undefined; maxRps: number }
  | {
      mode: 'apply';
      planFile: string;
      journal: string | undefined;
      /** Where the final report is also written as JSON (for scripts and the benchmark). */
      report: string | undefined;
      maxRps: number;
      concurrency: number;
    };

export function parseLinkArgs(argv: readonly string[]): LinkArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        plan: { type: 'boolean' },
        out: { type: 'string' },
        'from-export': { type: 'string' },
        apply: { type: 'string' },
        journal: { type: 'string' },
        'max-rps': { type: 'string' },
        concurrency: { type: 'string' },
        report: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (cause) {
    throw new BackfillError('invalid_arguments', `${(cause as Error).message}\n${LINK_EXISTING_USAGE}`);
  }
  const number = (name: string, fallback: number, integer: boolean): number => {
    const text = values[name];
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!(n > 0) || (integer && !Number.isInteger(n)))
      throw new BackfillError(
        'invalid_arguments',
        `--${name} must be a positive ${integer ? 'integer' : 'number'}`,
      );
    return n;
  };
  const maxRps = number('max-rps', DEFAULTS.maxRps, false);
  if (values.plan === true && values.apply === undefined) {
    return {
      mode: 'plan',
      out: typeof values.out === 'string' ? values.out : DEFAULTS.out,
      fromExport: typeof values['from-export'] === 'string' ? values['from-export'] : undefined,
      maxRps,
    };
  }
  if (typeof values.apply === 'string' && values.plan === undefined) {
    return {
      mode: 'apply',
      planFile: values.apply,
      journal: typeof values.journal === 'string' ? values.journal : undefined,
      report: typeof values.report === 'string' ? values.report : undefined,
      maxRps,
      // Enough requests in flight to keep the pace against a remote tenant (~100 ms a request).
      concurrency: number('concurrency', Math.min(32, Math.max(2, Math.ceil(maxRps / 5))), true),
    };
  }
  throw new BackfillError(
    'invalid_arguments',
    `give either --plan or --apply <plan>\n${LINK_EXISTING_USAGE}`,
  );
}
