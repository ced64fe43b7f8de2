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

/**
 * One progress line on stderr: redrawn in place on a terminal, a plain line every 10 s otherwise (CI logs).
 * Rate is Management requests per second since the start; ETA extrapolates the accounts still to do at the rate
 * this run finishes them (resumed accounts took no time in this run: counting them would make the ETA too low).
 */
export function createProgress(
  total: number,
  sink: ProgressSink,
  now: () => number = () => performance.now(),
): Progress {
  const started = now();
  let last = Number.NEGATIVE_INFINITY;
  let resumed = 0;
  const line = (done: number, requests: number) => {
    const seconds = Math.max((now() - started) / 1000, 1e-3);
    const rate = requests / seconds;
    const doneNow = done - resumed;
    const eta = doneNow > 0 ? ((total - done) * seconds) / doneNow : Number.NaN;
    const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : BAR_WIDTH;
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    return `${bar} ${done}/${total} accounts  ${rate.toFixed(1)} req/s  ETA ${formatDuration(eta)}`;
  };
  return {
    start(done) {
      resumed = done;
    },
    update(done, requests) {
      const at = now();
      if (at - last < (sink.isTTY ? TTY_EVERY_MS : LOG_EVERY_MS)) return;
      last = at;
      sink.write(sink.isTTY ? `\r${line(done, requests)}\u001b[K` : `${line(done, requests)}\n`);
    },
    finish(done, requests) {
      sink.write(sink.isTTY ? `\r${line(done, requests)}\u001b[K\n` : `${line(done, requests)}\n`);
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
