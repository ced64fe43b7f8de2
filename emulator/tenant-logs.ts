import { randomUUID } from 'node:crypto';
import { dropOldest } from './bounded-maps.ts';

/**
 * The tenant's log events, in the shape `GET /api/v2/logs` returns them
 * (https://auth0.com/docs/api/management/v2/logs/get-logs), with the type codes of
 * https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes, and the Action executions a login's event
 * points to (https://auth0.com/docs/api/management/v2/actions/get-execution). Both are bounded: the oldest go first.
 */

/** The codes this tenant writes: logins, codes sent, Management API writes and rate limits, token exchanges. */
export type LogType =
  | 's'
  | 'f'
  | 'fp'
  | 'fu'
  | 'cs'
  | 'cls'
  | 'api_limit'
  | 'sapi'
  | 'fapi'
  | 'seacft'
  | 'feacft'
  | 'seccft'
  | 'feccft'
  | 'sertft'
  | 'fertft'
  | 'sepotpft'
  | 'fepotpft';

export interface LogEvent {
  log_id: string;
  date: string;
  type: LogType;
  description: string;
  hostname: string;
  client_id?: string;
  client_name?: string;
  connection?: string;
  connection_id?: string;
  strategy?: string;
  strategy_type?: string;
  user_id?: string;
  user_name?: string;
  ip?: string;
  user_agent?: string;
  audience?: string;
  scope?: string;
  details?: Record<string, unknown>;
}

export type LogEventInput = Omit<LogEvent, 'log_id' | 'date' | 'hostname'>;

/** One Action's part of an execution; `logs` (its console lines) is the local tenant's addition, see the README. */
export interface ExecutionResult {
  action_name: string;
  error: { msg: string } | null;
  started_at: string;
  ended_at: string;
  logs: string;
}

export interface ActionExecution {
  id: string;
  trigger_id: string;
  status: 'final';
  results: ExecutionResult[];
  created_at: string;
  updated_at: string;
}

/** Auth0 keeps a paged search to the first 1,000 results; the local tenant keeps no more than that at all. */
export const MAX_LOG_EVENTS = 1000;
const MAX_EXECUTIONS = 1000;
/** Auth0's log ids are 56 digits; here: `900`, the date to the millisecond, then a sequence number. */
const LOG_ID = /^900\d{17}(\d{36})$/;

export class TenantLogs {
  readonly #now: () => number;
  readonly #hostname: string;
  #events: LogEvent[] = [];
  #sequence = 0n;
  readonly #executions = new Map<string, ActionExecution>();
  /** Execution ids by login transaction, until the login's own event takes them. */
  readonly #pending = new Map<string, string[]>();

  constructor(now: () => number, hostname: string) {
    this.#now = now;
    this.#hostname = hostname;
  }

  record(input: LogEventInput): LogEvent {
    this.#sequence += 1n;
    const date = new Date(this.#now()).toISOString();
    const stamp = date.replace(/\D/g, '').slice(0, 17);
    const event = {
      log_id: `900${stamp}${this.#sequence.toString().padStart(36, '0')}`,
      date,
      hostname: this.#hostname,
      ...input,
    };
    this.#events.push(event);
    if (this.#events.length > MAX_LOG_EVENTS) this.#events.shift();
    return event;
  }

  /** Every kept event, oldest (lowest `log_id`) first. */
  all(): readonly LogEvent[] {
    return this.#events;
  }

  get(logId: string): LogEvent | undefined {
    return this.#events.find((event) => event.log_id === logId);
  }

  /** The events after the checkpoint `logId` (its own may be gone already), or `undefined` for a malformed id. */
  after(logId: string): LogEvent[] | undefined {
    const checkpoint = sequenceOf(logId);
    if (checkpoint === undefined) return undefined;
    return this.#events.filter((event) => (sequenceOf(event.log_id) ?? 0n) > checkpoint);
  }

  recordExecution(trigger: string, transactionId: string | undefined, results: ExecutionResult[]): string {
    const id = randomUUID();
    const at = new Date(this.#now()).toISOString();
    this.#executions.set(id, {
      id,
      trigger_id: trigger,
      status: 'final',
      results,
      created_at: results[0]?.started_at ?? at,
      updated_at: at,
    });
    if (transactionId !== undefined)
      this.#pending.set(transactionId, [...(this.#pending.get(transactionId) ?? []), id]);
    dropOldest(this.#executions, MAX_EXECUTIONS);
    dropOldest(this.#pending, MAX_EXECUTIONS);
    return id;
  }

  execution(id: string): ActionExecution | undefined {
    return this.#executions.get(id);
  }

  /** The executions of a login transaction (before and after a redirect), handed over once to its log event. */
  takeExecutions(transactionId: string): string[] {
    const ids = this.#pending.get(transactionId) ?? [];
    this.#pending.delete(transactionId);
    return ids;
  }

  clear(): void {
    this.#events = [];
    this.#executions.clear();
    this.#pending.clear();
  }
}

function sequenceOf(logId: string): bigint | undefined {
  const digits = LOG_ID.exec(logId)?.[1];
  return digits === undefined ? undefined : BigInt(digits);
}
