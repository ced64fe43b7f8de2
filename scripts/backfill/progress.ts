export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** Accounts an earlier run finished: counted as done, but not in this run's rate. */
  start(resumed: number): void;
  update(done: number, requests: number): void;
  finish(done: number, requests: number): void;
}

const TTY_EVERY_MS = 200;
const LOG_EVERY_MS = 10_000;
const BAR_WIDTH = 24;

/** A line on stderr: redrawn in place on a terminal at most every 200 ms, printed every 10 s otherwise (CI logs). */
function statusLine(sink: ProgressSink, now: () => number) {
  let last = Number.NEGATIVE_INFINITY;
  return {
    update(line: () => string) {
      const at = now();
      if (at - last < (sink.isTTY ? TTY_EVERY_MS : LOG_EVERY_MS)) return;
      last = at;
      sink.write(sink.isTTY ? `\r${line()}\u001b[K` : `${line()}\n`);
    },
    finish(line: string) {
      sink.write(sink.isTTY ? `\r${line}\u001b[K\n` : `${line}\n`);
    },
  };
}

/** Seconds left for `total - done` at the pace `done` took `seconds`; NaN before any is done. */
function eta(done: number, total: number, seconds: number): number {
  return done > 0 ? ((total - done) * seconds) / done : Number.NaN;
}

/**
 * `--apply`'s progress. Rate is Management requests per second since the start; ETA extrapolates the accounts
 * still to do at the rate this run finishes them (resumed accounts took no time in this run: counting them would
 * make the ETA too low).
 */
export function createProgress(
  total: number,
  sink: ProgressSink,
  now: () => number = () => performance.now(),
): Progress {
  const started = now();
  const status = statusLine(sink, now);
  let resumed = 0;
  const line = (done: number, requests: number) => {
    const seconds = Math.max((now() - started) / 1000, 1e-3);
    const rate = requests / seconds;
    const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : BAR_WIDTH;
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    const left = eta(done - resumed, total - resumed, seconds);
    return `${bar} ${done}/${total} accounts  ${rate.toFixed(1)} req/s  ETA ${formatDuration(left)}`;
  };
  return {
    start(done) {
      resumed = done;
    },
    update(done, requests) {
      status.update(() => line(done, requests));
    },
    finish(done, requests) {
      status.finish(line(done, requests));
    },
  };
}

export interface PlanProgress {
  /** Users read so far, and bytes of the export when its size is known. */
  reading(users: number, bytes: number, totalBytes: number | undefined): void;
  /** Spilled users planned so far, in characters of the spill. */
  planning(done: number, total: number): void;
  finish(users: number): void;
}

/** `--plan`'s progress: reading the users (ETA from the share of the export read), then planning the spill. */
export function createPlanProgress(
  sink: ProgressSink,
  now: () => number = () => performance.now(),
): PlanProgress {
  const started = now();
  const status = statusLine(sink, now);
  let planningFrom: number | undefined;
  const seconds = (from: number) => Math.max((now() - from) / 1000, 1e-3);
  const percent = (done: number, total: number) => `${total > 0 ? Math.floor((done / total) * 100) : 100}%`;
  return {
    reading(users, bytes, totalBytes) {
      status.update(() => {
        const share = totalBytes === undefined ? '' : `, ${percent(bytes, totalBytes)} of the export`;
        const left = totalBytes === undefined ? Number.NaN : eta(bytes, totalBytes, seconds(started));
        return `reading users: ${users.toLocaleString('en-US')}${share}  ETA ${formatDuration(left)}`;
      });
    },
    planning(done, total) {
      planningFrom ??= now();
      const from = planningFrom;
      status.update(
        () => `planning: ${percent(done, total)}  ETA ${formatDuration(eta(done, total, seconds(from)))}`,
      );
    },
    finish(users) {
      status.finish(`planned ${users.toLocaleString('en-US')} users in ${formatDuration(seconds(started))}`);
    },
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
