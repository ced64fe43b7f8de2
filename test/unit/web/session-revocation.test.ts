import { describe, expect, it } from 'vitest';
import {
  isRevoked,
  LOGOUT_ALL_KEY,
  MAX_SID_MARKS,
  revocationPatch,
  sidMarkKey,
} from '../../../web/session-revocation.ts';

const HOUR = 3_600_000;
const SESSION_MS = 8 * HOUR;
const NOW = 1_750_000_000_000;

/** app_metadata after a PATCH, as Auth0 merges it: key by key, null deletes. */
function applied(metadata: Record<string, unknown>, patch: Record<string, number | null>) {
  const next: Record<string, unknown> = { ...metadata };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

describe('ending web app sessions in app_metadata', () => {
  it('ends the sessions of one tenant session created up to the logout, and no other', () => {
    const metadata = applied({}, revocationPatch({}, { sid: 'sid-1' }, NOW, SESSION_MS));
    expect(isRevoked(metadata, { sid: 'sid-1', createdAt: NOW - HOUR })).toBe(true);
    expect(isRevoked(metadata, { sid: 'sid-1', createdAt: NOW + 1 })).toBe(false);
    expect(isRevoked(metadata, { sid: 'sid-2', createdAt: NOW - HOUR })).toBe(false);
  });

  it('ends every session of the user when no sid is named', () => {
    const metadata = applied({}, revocationPatch({}, 'all', NOW, SESSION_MS));
    expect(isRevoked(metadata, { sid: 'any', createdAt: NOW })).toBe(true);
    expect(isRevoked(metadata, { sid: 'any', createdAt: NOW + 1 })).toBe(false);
  });

  it('writes one key per session, so two instances revoking at once never overwrite each other', () => {
    const first = revocationPatch({}, { sid: 'sid-1' }, NOW, SESSION_MS);
    const second = revocationPatch({}, { sid: 'sid-2' }, NOW, SESSION_MS);
    const metadata = applied(applied({}, first), second);
    expect(isRevoked(metadata, { sid: 'sid-1', createdAt: NOW })).toBe(true);
    expect(isRevoked(metadata, { sid: 'sid-2', createdAt: NOW })).toBe(true);
  });

  it('uses field names Auth0 accepts whatever the sid holds', () => {
    expect(sidMarkKey('a.b$c')).toMatch(/^web_logout_sid_[0-9a-f]{32}$/);
  });

  it('drops marks older than the longest session and leaves other metadata alone', () => {
    const old = revocationPatch({}, { sid: 'old' }, NOW - SESSION_MS - 1, SESSION_MS);
    const patch = revocationPatch({ ...old, roles: ['admin'] }, { sid: 'new' }, NOW, SESSION_MS);
    expect(patch).toEqual({ [sidMarkKey('old')]: null, [sidMarkKey('new')]: NOW });
  });

  it(`collapses into one "all" mark past ${MAX_SID_MARKS} live marks, ending every earlier session`, () => {
    let metadata: Record<string, unknown> = {};
    for (let i = 0; i < MAX_SID_MARKS; i++) {
      metadata = applied(metadata, revocationPatch(metadata, { sid: `sid-${i}` }, NOW + i, SESSION_MS));
    }
    const patch = revocationPatch(metadata, { sid: 'one-more' }, NOW + MAX_SID_MARKS, SESSION_MS);
    metadata = applied(metadata, patch);
    expect(Object.keys(metadata)).toEqual([LOGOUT_ALL_KEY]);
    expect(isRevoked(metadata, { sid: 'sid-3', createdAt: NOW })).toBe(true);
    expect(isRevoked(metadata, { sid: 'one-more', createdAt: NOW })).toBe(true);
  });

  it('never moves a mark back when this instance’s clock is behind the one that wrote it', () => {
    const ahead = applied({}, revocationPatch({}, { sid: 'sid-1' }, NOW + 5_000, SESSION_MS));
    const patch = revocationPatch(ahead, { sid: 'sid-1' }, NOW, SESSION_MS);
    expect(patch[sidMarkKey('sid-1')]).toBe(NOW + 5_000);
  });
});
