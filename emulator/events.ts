/** One run of an Action (written by the post-login pipeline). */
export interface ActionRunEvent {
  type: 'action';
  trigger: string;
  action: string;
  phase: 'execute' | 'continue';
  user_id?: string;
  logs: string[];
  outcome?: unknown;
  error?: { message: string; code?: string };
  duration_ms?: number;
}

/** An injected fault that fired. */
export interface FaultEvent {
  type: 'fault';
  route: string;
  method: string;
  path: string;
  effect: 'status' | 'drop' | 'malformed' | 'latency';
  status?: number;
  latency_ms?: number;
}

/** One back-channel logout token POSTed to an application (`status`), or the reason it could not be (`error`). */
export interface BackchannelLogoutEvent {
  type: 'backchannel_logout';
  client_id: string;
  url: string;
  status?: number;
  error?: string;
}

export type TenantEventInput = ActionRunEvent | FaultEvent | BackchannelLogoutEvent;
export type TenantEvent = TenantEventInput & { id: number; at: string };

const MAX_EVENTS = 5000;

export type EventListener = (event: TenantEvent) => void;

/** The tenant's event log, read through `GET /__control/events` and followed by `subscribe`. */
export class EventLog {
  #events: TenantEvent[] = [];
  #nextId = 1;
  readonly #listeners = new Set<EventListener>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  record(event: TenantEventInput): TenantEvent {
    const stored = { ...event, id: this.#nextId++, at: new Date(this.#now()).toISOString() } as TenantEvent;
    this.#events.push(stored);
    if (this.#events.length > MAX_EVENTS) this.#events.splice(0, this.#events.length - MAX_EVENTS);
    for (const listener of this.#listeners) listener(stored);
    return stored;
  }

  /** Calls `listener` with every event recorded from now on; returns the unsubscribe. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  list(filter: { type?: string; after?: number } = {}): TenantEvent[] {
    return this.#events.filter(
      (e) =>
        (filter.type === undefined || e.type === filter.type) &&
        (filter.after === undefined || e.id > filter.after),
    );
  }

  clear(): void {
    this.#events = [];
  }
}

/**
 * The terminal's view of an Action run, as the Auth0 CLI's `auth0 logs tail` shows a tenant's: each console line
 * prefixed with the Action's name, then its error if it failed. Nothing for other events.
 */
export function actionConsoleLines(event: TenantEvent): string[] {
  if (event.type !== 'action') return [];
  const prefix = `[${event.action}]`;
  const lines = event.logs.map((line) => `${prefix} ${line}`);
  if (event.error !== undefined) lines.push(`${prefix} failed: ${event.error.message}`);
  return lines;
}

/** Writes every Action's console lines as each run ends (`npm run tenant`, `npm start`). */
export function tailActionLogs(events: EventLog, write: (line: string) => void): () => void {
  return events.subscribe((event) => {
    for (const line of actionConsoleLines(event)) write(line);
  });
}
