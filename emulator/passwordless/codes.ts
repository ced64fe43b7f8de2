import { randomInt } from 'node:crypto';
import { constantTimeEqual } from '../../core/constant-time.ts';
import { type CodeRules, MAX_FAILED_ATTEMPTS } from '../../core/passwordless-codes.ts';
import { ExpiringMap } from '../bounded-maps.ts';

interface PendingCode {
  code: string;
  clientId: string;
  expiresAt: number;
  failures: number;
}

export type Redemption = 'accepted' | 'wrong';

/**
 * The pending code of each (connection, recipient), in memory: a restart spends every code, as a lost email would.
 * Sending a code drops the expired ones, so addresses that never enter theirs do not pile up.
 */
export class OneTimeCodes {
  readonly #pending: ExpiringMap<PendingCode>;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
    this.#pending = new ExpiringMap(now);
  }

  /** A new code for `recipient`, replacing any earlier one. */
  issue(connection: string, recipient: string, clientId: string, rules: CodeRules): string {
    let code = '';
    for (let i = 0; i < rules.length; i++) code += String(randomInt(10));
    this.#pending.set(key(connection, recipient), {
      code,
      clientId,
      expiresAt: this.#now() + rules.lifetimeSeconds * 1000,
      failures: 0,
    });
    return code;
  }

  /**
   * `accepted` spends the code. A wrong, expired, another application's or missing code is `wrong`, and the third
   * failure spends the code too, so a six-digit code cannot be guessed.
   */
  redeem(connection: string, recipient: string, clientId: string, otp: string): Redemption {
    const id = key(connection, recipient);
    const pending = this.#pending.get(id);
    if (pending === undefined) return 'wrong';
    if (pending.clientId === clientId && constantTimeEqual(otp, pending.code)) {
      this.#pending.delete(id);
      return 'accepted';
    }
    pending.failures += 1;
    if (pending.failures >= MAX_FAILED_ATTEMPTS) this.#pending.delete(id);
    return 'wrong';
  }

  clear(): void {
    this.#pending.clear();
  }

  /** Codes held in memory, expired ones included until the next code sent drops them. */
  get size(): number {
    return this.#pending.size;
  }
}

function key(connection: string, recipient: string): string {
  return `${connection}\n${recipient}`;
}
