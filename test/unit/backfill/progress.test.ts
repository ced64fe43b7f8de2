import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../../scripts/backfill/progress.ts';

function captured() {
  const lines: string[] = [];
  return { lines, sink: { write: (text: string) => lines.push(text), isTTY: false } };
}

describe('progress', () => {
  it('estimates the time left from the accounts this run finished, not those resumed from the journal', () => {
    let ms = 0;
    const { lines, sink } = captured();
    const progress = createProgress(100, sink, () => ms);
    progress.start(90);
    ms = 10_000;
    // 5 accounts in 10 s: the last 5 take 10 s more.
    progress.finish(95, 20);
    expect(lines.at(-1)).toContain('95/100 accounts  2.0 req/s  ETA 0:10');
  });

  it('has no estimate before this run finished an account', () => {
    const { lines, sink } = captured();
    const progress = createProgress(100, sink, () => 5000);
    progress.start(90);
    progress.finish(90, 3);
    expect(lines.at(-1)).toContain(`ETA ${formatDuration(Number.NaN)}`);
  });
});
