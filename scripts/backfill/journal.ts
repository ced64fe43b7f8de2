import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { BackfillError, FileLineError } from './errors.ts';
import { type ParsedPlan, readGroups } from './plan-file.ts';
import { fileLines } from './spill.ts';

export const JOURNAL_VERSION = 1;

/**
 * `merged`: the PATCH with the secondary's metadata and its link record reached the primary (a skip may remove
 * the record afterwards; a resumed run writes it again if it is missing). The others end a secondary.
 */
export type StepKind = 'merged' | 'linked' | 'already_linked' | 'skipped';

export interface JournalHeader {
  type: 'journal';
  version: typeof JOURNAL_VERSION;
  plan_sha256: string;
  tenant: string;
  started_at: string;
}

export interface JournalStep {
  type: 'step';
  group: number;
  primary: string;
  secondary: string;
  step: StepKind;
  reason?: string;
  at: string;
}

/** Where each secondary stands after the journal's steps; absent means not started. */
export type JournalState = Map<string, StepKind>;

export function isFinal(step: StepKind | undefined): boolean {
  return step === 'linked' || step === 'already_linked' || step === 'skipped';
}

/**
 * Reads a journal and checks it belongs to `plan`: same plan hash, and every step names a secondary of the group
 * it claims (checked while the plan's groups are read again, so neither file is held whole). A last line without
 * its newline is a write the kill interrupted: it is ignored (and cut off when the journal is reopened), since its
 * step is redone after a fresh re-check.
 */
export function readJournal(file: string, plan: ParsedPlan): JournalState {
  const mismatch = (line: number, reason: string) =>
    new FileLineError('journal_mismatch', file, line, reason);
  const invalid = (line: number, reason: string) => new FileLineError('invalid_journal', file, line, reason);
  const claims = new Map<string, { group: number; primary: string; step: StepKind; line: number }>();
  const lines = fileLines(file, 'utf8');
  const first = lines.next();
  if (first.done === true) return new Map();
  const header = parse(first.value, 1, invalid);
  if (header.type !== 'journal' || header.version !== JOURNAL_VERSION)
    throw invalid(1, 'expected the journal header ("type":"journal")');
  if (header.plan_sha256 !== plan.sha256)
    throw mismatch(1, `the journal was written for another plan (sha256 ${String(header.plan_sha256)})`);
  if (header.tenant !== plan.header.tenant)
    throw mismatch(1, `the journal was written for tenant ${String(header.tenant)}`);
  let line = 1;
  for (let next = lines.next(); next.done !== true; next = lines.next()) {
    line += 1;
    const step = parse(next.value, line, invalid);
    if (step.type !== 'step') throw invalid(line, 'expected a step line ("type":"step")');
    if (!isStepKind(step.step)) throw invalid(line, `unknown step ${String(step.step)}`);
    const secondary = String(step.secondary);
    const before = claims.get(secondary);
    if (isFinal(before?.step)) throw mismatch(line, `${secondary} was already finished`);
    const group = Number(step.group);
    if (!(Number.isInteger(group) && group >= 1 && group <= plan.groups))
      throw mismatch(line, `the plan has no group ${String(step.group)}`);
    if (before !== undefined && before.group !== group)
      throw mismatch(line, `group ${group} of the plan does not link ${secondary}`);
    claims.set(secondary, {
      group,
      primary: String(step.primary),
      step: step.step,
      line: before?.line ?? line,
    });
  }
  // Each claim against its group in the plan; the earliest line of those that do not match is named.
  const state: JournalState = new Map();
  for (const group of readGroups(plan)) {
    for (const secondary of group.secondaries) {
      const claim = claims.get(secondary);
      if (claim === undefined || claim.group !== group.group || claim.primary !== group.primary) continue;
      state.set(secondary, claim.step);
      claims.delete(secondary);
    }
  }
  const stray = [...claims.entries()].sort(([, a], [, b]) => a.line - b.line)[0];
  if (stray !== undefined) {
    const [secondary, { group, line }] = stray;
    throw mismatch(line, `group ${group} of the plan does not link ${secondary}`);
  }
  return state;
}

function parse(
  text: string,
  line: number,
  fail: (line: number, reason: string) => FileLineError,
): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw fail(line, 'not a JSON object');
}

function isStepKind(value: unknown): value is StepKind {
  return value === 'merged' || value === 'linked' || value === 'already_linked' || value === 'skipped';
}

/** Appends steps durably: one line per completed step, fsync'd before the next request is sent. */
export class JournalWriter {
  readonly #fd: number;
  #closed = false;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Opens (or starts) the journal; cuts off an interrupted last line first. */
  static open(file: string, header: JournalHeader): JournalWriter {
    const fd = openSync(file, 'a+');
    const complete = endOfLastLine(fd);
    if (complete < fstatSync(fd).size) ftruncateSync(fd, complete);
    const writer = new JournalWriter(fd);
    if (complete === 0) writer.#append(header);
    return writer;
  }

  record(step: Omit<JournalStep, 'type' | 'at'>, now: Date = new Date()): void {
    this.#append({ type: 'step', ...step, at: now.toISOString() });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }

  #append(value: object): void {
    // After close the descriptor number may belong to another file: never write through it.
    if (this.#closed) throw new BackfillError('journal_closed', 'the journal is closed');
    writeSync(this.#fd, `${JSON.stringify(value)}\n`);
    fsyncSync(this.#fd);
  }
}

/** Where the last complete line ends (0 when there is none), read backwards from the end: a journal may be large. */
function endOfLastLine(fd: number): number {
  const chunk = Buffer.allocUnsafe(1 << 16);
  for (let end = fstatSync(fd).size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, read).lastIndexOf(10);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}
