/** Writes one line; the deploy's only output channel, so every line passes the mask. */
export type LineSink = (line: string) => void;

export interface DeployLog {
  (line: string): void;
  /** Hide this value (and its JSON-escaped form) in every later line. */
  addSecret(value: string): void;
}

const MASK = '****';

export function createDeployLog(sink: LineSink, secrets: readonly string[] = []): DeployLog {
  const hidden = new Set<string>();
  const log = ((line: string) => {
    let out = line;
    // Longest first, so a secret containing another is hidden whole.
    for (const value of [...hidden].sort((a, b) => b.length - a.length)) out = out.split(value).join(MASK);
    sink(out);
  }) as DeployLog;
  log.addSecret = (value: string) => {
    if (value.length < 4) return;
    hidden.add(value);
    hidden.add(JSON.stringify(value).slice(1, -1));
    hidden.add(encodeURIComponent(value));
  };
  for (const value of secrets) log.addSecret(value);
  return log;
}
