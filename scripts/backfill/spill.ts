import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** Lines of one partition: spilled to `file` once its buffer filled, the unwritten tail in `tail`. */
export interface Partition {
  file: string | undefined;
  tail: string;
  /** Characters (bytes on disk), file and tail together: what planning it would hold in memory. */
  size: number;
}

/** A buffer this big is written out: 256 partitions hold at most 4 MB between writes. */
const FLUSH_AT = 1 << 14;

/**
 * Appends lines to `count` partitions, each written to its own file in `dir` only once its buffer fills: a small
 * tenant's users never touch the disk. Lines of one partition keep the order they were added in. Lines are ASCII
 * (`asciiJson`), so files are written and read one byte a character, with no UTF-8 decoding.
 */
export class PartitionWriter {
  readonly #dir: string;
  readonly #name: string;
  readonly #buffers: string[];
  readonly #fds: Array<number | undefined>;
  readonly #sizes: number[];
  constructor(dir: string, name: string, count: number) {
    this.#dir = dir;
    this.#name = name;
    this.#buffers = Array.from({ length: count }, () => '');
    this.#fds = Array.from({ length: count }, () => undefined);
    this.#sizes = Array.from({ length: count }, () => 0);
  }

  add(index: number, line: string): void {
    const buffer = this.#buffers[index] + line;
    this.#sizes[index] = (this.#sizes[index] ?? 0) + line.length;
    if (buffer.length < FLUSH_AT) {
      this.#buffers[index] = buffer;
      return;
    }
    this.#fds[index] ??= openSync(this.#file(index), 'wx', 0o600);
    writeSync(this.#fds[index], buffer, null, 'latin1');
    this.#buffers[index] = '';
  }

  /** Closes the files; the partitions in index order. */
  close(): Partition[] {
    return this.#buffers.map((tail, index) => {
      const fd = this.#fds[index];
      if (fd !== undefined) closeSync(fd);
      this.#fds[index] = undefined;
      return { file: fd === undefined ? undefined : this.#file(index), tail, size: this.#sizes[index] ?? 0 };
    });
  }

  #file(index: number): string {
    return path.join(this.#dir, `${this.#name}-${index}`);
  }
}

/** Each line of a partition, in the order it was added (without its newline). */
export function forEachLine(partition: Partition, each: (line: string) => void): void {
  let carry = '';
  if (partition.file !== undefined) {
    const lines = fileLines(partition.file, 'latin1');
    let next = lines.next();
    for (; next.done !== true; next = lines.next()) each(next.value);
    carry = next.value;
  }
  const rest = (carry + partition.tail).split('\n');
  const last = rest.pop() ?? '';
  for (const line of rest) each(line);
  if (last !== '') each(last);
}

/**
 * The lines of `file` ending in a newline, read a megabyte at a time; returns what follows the last newline (a
 * line a kill cut short). `onChunk` sees every byte read (for a hash).
 */
export function* fileLines(
  file: string,
  encoding: 'utf8' | 'latin1',
  onChunk?: (bytes: Buffer) => void,
): Generator<string, string> {
  const fd = openSync(file, 'r');
  try {
    const decoder = new StringDecoder(encoding);
    const chunk = Buffer.allocUnsafe(1 << 20);
    let carry = '';
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      onChunk?.(chunk.subarray(0, read));
      const lines = (carry + decoder.write(chunk.subarray(0, read))).split('\n');
      carry = lines.pop() ?? '';
      yield* lines;
    }
    return carry + decoder.end();
  } finally {
    closeSync(fd);
  }
}

/** JSON text with every character past ASCII escaped (`\\u00fc`): `JSON.parse` reads it back unchanged. */
export function asciiJson(json: string): string {
  return NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, escapeChar) : json;
}

const NON_ASCII = /[^\0-\x7f]/;
const NON_ASCII_ALL = /[^\0-\x7f]/g;
const escapeChar = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** 32 well-mixed bits of `key` (FNV-1a, then murmur3's finaliser so every bit depends on every character). */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
