/**
 * Bounds for the tenant's in-memory maps, so a tenant that `npm start` keeps running for days holds only what can
 * still be used. No timers: entries go when the map is next written or read. Maps iterate in insertion order, so
 * the first key is the oldest.
 */

/** Drops the oldest entries until at most `max` remain, and returns what it dropped. */
export function dropOldest<V>(map: Map<string, V>, max: number): V[] {
  const dropped: V[] = [];
  for (const [key, value] of map) {
    if (map.size <= max) break;
    map.delete(key);
    dropped.push(value);
  }
  return dropped;
}

/** A value usable until `expiresAt` (milliseconds, tenant time), and not from then on. */
export interface Expiring {
  expiresAt: number;
}

/**
 * Short-lived values by key. A read never returns an expired value (and drops it); each write drops the expired
 * values from the oldest end, stopping at the first live one, so a write costs what it removes. Where lifetimes
 * differ an expired value can wait behind a live older one, at most until that one expires.
 */
export class ExpiringMap<V extends Expiring> {
  readonly #entries = new Map<string, V>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Keeps `value` as the newest entry (a plain `Map.set` would leave a renewed key at its old place). */
  set(key: string, value: V): void {
    const now = this.#now();
    for (const [oldest, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(oldest);
    }
    this.#entries.delete(key);
    this.#entries.set(key, value);
  }

  get(key: string | undefined): V | undefined {
    const value = key === undefined ? undefined : this.#entries.get(key);
    if (value === undefined || key === undefined) return undefined;
    if (value.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return value;
  }

  /** The live value, removed: a second `take` of the same key finds nothing. */
  take(key: string | undefined): V | undefined {
    const value = this.get(key);
    if (key !== undefined) this.#entries.delete(key);
    return value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Values held in memory, expired ones included until a read or a write drops them. */
  get size(): number {
    return this.#entries.size;
  }
}
