import { describe, expect, it } from 'vitest';
import { mergeMetadata } from '../../../emulator/user-directory.ts';

describe("mergeMetadata (Auth0's PATCH semantics)", () => {
  it('replaces top-level keys and keeps the others', () => {
    expect(mergeMetadata({ a: 1, b: 2 }, { b: 3, c: 4 })).toEqual({ a: 1, b: 3, c: 4 });
  });

  it('replaces nested objects instead of merging them', () => {
    expect(mergeMetadata({ prefs: { x: 1, y: 2 } }, { prefs: { x: 9 } })).toEqual({ prefs: { x: 9 } });
  });

  it('deletes a key set to null', () => {
    expect(mergeMetadata({ a: 1, b: 2 }, { a: null })).toEqual({ b: 2 });
  });

  it('deletes everything for an empty object or null', () => {
    expect(mergeMetadata({ a: 1 }, {})).toEqual({});
    expect(mergeMetadata({ a: 1 }, null)).toEqual({});
  });
});
