import { closeSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { BackfillError, FileLineError } from './errors.ts';
import type { ParsedPlan } from './plan-file.ts';

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
 * it claims. A last line without its newline is a write the kill interrupted: it is ignored (and cut off when
 * the journal is reopened), since its step is redone after a fresh re-check.
 */
export function parseJournal(text: string, file: string, plan: ParsedPlan): JournalState {
  const state: JournalState = new Map();
  const lines = text.split('\n');
  lines.pop(); // the unterminated tail ('' when the file ends with a newline)
  const mismatch = (line: number, reason: string) =>
    new FileLineError('journal_mismatch', file, line, reason);
  const invalid = (line: number, reason: string) => new FileLineError('invalid_journal', file, line, reason);
  if (lines.length === 0) return state;
  const header = parse(lines[0] ?? '', 1, invalid);
  if (header.type !== 'journal' || header.version !== JOURNAL_VERSION)
    throw invalid(1, 'expected the journal header ("type":"journal")');
  if (header.plan_sha256 !== plan.sha256)
    throw mismatch(1, `the journal was written for another plan (sha256 ${String(header.plan_sha256)})`);
  if (header.tenant !== plan.header.tenant)
    throw mismatch(1, `the journal was written for tenant ${String(header.tenant)}`);
  const groups = new Map(plan.groups.map(({ group }) => [group.group, group]));
  for (let index = 1; index < lines.length; index++) {
    const line = index + 1;
    const step = parse(lines[index] ?? '', line, invalid);
    if (step.type !== 'step') throw invalid(line, 'expected a step line ("type":"step")');
    if (!isStepKind(step.step)) throw invalid(line, `unknown step ${String(step.step)}`);
    const group = groups.get(step.group as number);
    if (group === undefined) throw mismatch(line, `the plan has no group ${String(step.group)}`);
    if (step.primary !== group.primary || !group.secondaries.includes(step.secondary as string))
      throw mismatch(line, `group ${group.group} of the plan does not link ${String(step.secondary)}`);
    const before = state.get(step.secondary as string);
    if (isFinal(before)) throw mismatch(line, `${String(step.secondary)} was already finished`);
    state.set(step.secondary as string, step.step);
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
    let existing = '';
    try {
      existing = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const complete = existing.lastIndexOf('\n') + 1;
    if (complete < Buffer.byteLength(existing) && statSync(file).size > 0)
      truncateSync(file, Buffer.byteLength(existing.slice(0, complete)));
    const writer = new JournalWriter(openSync(file, 'a'));
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
