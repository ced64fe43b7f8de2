import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  collect,
  DuplicatePlanner,
  emailKey,
  type GroupPlan,
  type PlannerCounts,
  type PlanPolicy,
  reduceUser,
} from './planner.ts';
import { asciiJson, forEachLine, hashKey, type Partition, PartitionWriter } from './spill.ts';
import { interrupted } from './user-source.ts';

export interface SpillOptions {
  /** A partition holding more than this (UTF-16 code units) is split before it is planned; default 32 Mi. */
  maxPartitionSize?: number;
  /** Ctrl-C: planning stops between two partitions with an `interrupted` error. */
  signal?: AbortSignal;
  /** Told after each partition: characters of the spill planned, of the total. */
  progress?: (done: number, total: number) => void;
}

/** First split: 256 partitions by the key hash's low 8 bits; a partition too big is split in 16 by the next 4. */
const FIRST_BITS = 8;
const SPLIT_BITS = 4;
const MAX_LEVEL = (32 - FIRST_BITS) / SPLIT_BITS;

/**
 * Plans any number of users in bounded memory. Each user, reduced to what the policy reads, goes to one of 256
 * spill files by a hash of its email key (lower-cased A–Z), so every account `DuplicatePlanner` would group sits
 * in the same file, in the order it was read; each file is then planned alone by a `DuplicatePlanner`, holding
 * only the accounts whose key repeats. The groups, and every decision in them, are those of one `DuplicatePlanner`
 * over all users; only the order of the groups differs. A file larger than `maxPartitionSize` is split again by
 * further bits of the hash before it is planned, so memory stays flat however big the tenant: what grows is disk
 * (about 250 bytes a user) and time.
 *
 * The spill directory sits beside the plan (`near`), is private to this process, and `close()` removes it.
 */
export class SpillingPlanner {
  readonly #dir: string;
  readonly #writer: PartitionWriter;
  readonly #options: SpillOptions;
  #users = 0;
  #withoutEmail = 0;
  #splits = 0;

  constructor(near: string, options: SpillOptions = {}) {
    this.#dir = mkdtempSync(path.join(path.dirname(path.resolve(near)), '.link-existing-spill-'));
    this.#writer = new PartitionWriter(this.#dir, 'p', 1 << FIRST_BITS);
    this.#options = options;
  }

  /** Accepts one exported or listed user; anything without a string `user_id` is refused with a TypeError. */
  add(value: unknown): void {
    const user = reduceUser(value);
    this.#users += 1;
    const key = emailKey(user);
    if (key === undefined) {
      this.#withoutEmail += 1;
      return;
    }
    // JSON escapes tabs and newlines: the first tab ends the key, a newline ends the user.
    const keyJson = asciiJson(JSON.stringify(key));
    const line = `${keyJson}\t${asciiJson(JSON.stringify(user))}\n`;
    this.#writer.add(hashKey(keyJson) & ((1 << FIRST_BITS) - 1), line);
  }

  get counts(): PlannerCounts {
    return { users: this.#users, withoutEmail: this.#withoutEmail };
  }

  /** Groups of two or more accounts a login could join, partition by partition; Ctrl-C stops between two. */
  async *plan(policy: PlanPolicy): AsyncGenerator<GroupPlan> {
    const { signal, progress, maxPartitionSize = 32 << 20 } = this.#options;
    const queue = this.#writer.close().map((partition) => ({ partition, level: 0 }));
    const total = queue.reduce((sum, { partition }) => sum + partition.size, 0);
    let done = 0;
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      // Lets a Ctrl-C in: planning a partition does not wait for I/O.
      await nextTurn();
      if (signal?.aborted === true) throw interrupted();
      const { partition, level } = next;
      if (partition.size > maxPartitionSize && level < MAX_LEVEL) {
        queue.unshift(...this.#split(partition, level + 1));
        continue;
      }
      yield* planPartition(partition, policy);
      if (partition.file !== undefined) rmSync(partition.file);
      done += partition.size;
      progress?.(done, total);
    }
  }

  /** Removes the spill files (after the plan, after a failure, after Ctrl-C). */
  close(): void {
    this.#writer.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Splits `partition` by the hash's bits for `level`; one that cannot be split (a single key) is planned whole. */
  #split(partition: Partition, level: number): Array<{ partition: Partition; level: number }> {
    const shift = FIRST_BITS + (level - 1) * SPLIT_BITS;
    this.#splits += 1;
    const writer = new PartitionWriter(this.#dir, `s${this.#splits}`, 1 << SPLIT_BITS);
    forEachLine(partition, (line) => {
      const keyJson = line.slice(0, line.indexOf('\t'));
      writer.add((hashKey(keyJson) >>> shift) & ((1 << SPLIT_BITS) - 1), `${line}\n`);
    });
    if (partition.file !== undefined) rmSync(partition.file);
    const parts = writer.close().filter((part) => part.size > 0);
    return parts.map((part) => ({ partition: part, level: parts.length === 1 ? MAX_LEVEL : level }));
  }
}

/** The groups of one partition: only the accounts whose key repeats are parsed and planned. */
function* planPartition(partition: Partition, policy: PlanPolicy): Generator<GroupPlan> {
  const byKey = new Map<string, string | string[]>();
  forEachLine(partition, (line) => {
    const tab = line.indexOf('\t');
    collect(byKey, line.slice(0, tab), line.slice(tab + 1));
  });
  const planner = new DuplicatePlanner();
  for (const held of byKey.values()) {
    if (Array.isArray(held)) for (const user of held) planner.add(JSON.parse(user));
  }
  byKey.clear();
  yield* planner.plan(policy);
}
