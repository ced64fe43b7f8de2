import { describe, expect, it } from 'vitest';
import {
  parseMaxAge,
  type SsoSession,
  SsoSessions,
  sessionLifetimes,
  sessionSatisfies,
} from '../../../emulator/login/sso-sessions.ts';

/** Auth0's defaults: 72 hours idle, 168 hours at most. */
const DEFAULTS = sessionLifetimes({});
const IDLE_MS = DEFAULTS.idleSeconds * 1000;
const newSessions = (now: () => number, settings: Record<string, unknown> = {}) =>
  new SsoSessions(now, () => sessionLifetimes(settings));

const alice = {
  provider: 'google-oauth2',
  providerUserId: '1',
  connection: 'google-oauth2',
  authTime: 1_000,
};

describe('SSO sessions', () => {
  it('expires a session after the idle timeout and drops it from memory at the next login', () => {
    const clock = { now: 0 };
    const sessions = newSessions(() => clock.now);
    const first = sessions.start(undefined, alice);
    clock.now += IDLE_MS;
    expect(sessions.size).toBe(1);
    sessions.start(undefined, alice);
    expect(sessions.size).toBe(1);
    expect(sessions.get(first)).toBeUndefined();
  });

  it('drops an expired session at the next login even behind a session renewed since', () => {
    const clock = { now: 0 };
    const sessions = newSessions(() => clock.now);
    const renewed = sessions.start(undefined, alice);
    const abandoned = sessions.start(undefined, { ...alice, providerUserId: '2' });
    clock.now += IDLE_MS / 2;
    sessions.start(renewed, alice);
    clock.now += IDLE_MS / 2;
    sessions.start(undefined, { ...alice, providerUserId: '3' });
    expect(sessions.size).toBe(2);
    expect(sessions.get(renewed)).toBeDefined();
    expect(sessions.get(abandoned)).toBeUndefined();
  });

  it('ends a session at its absolute lifetime however often it is used, and applies changed settings', () => {
    expect(DEFAULTS).toEqual({ idleSeconds: 72 * 3600, absoluteSeconds: 168 * 3600 });
    const clock = { now: 0 };
    const settings: Record<string, unknown> = {};
    const sessions = newSessions(() => clock.now, settings);
    const id = sessions.start(undefined, alice);
    for (let day = 1; day <= 6; day++) {
      clock.now = day * 24 * 3600 * 1000;
      expect(sessions.start(id, alice)).toBe(id);
    }
    expect(sessions.cookieSeconds(id)).toBe(24 * 3600);
    clock.now = DEFAULTS.absoluteSeconds * 1000;
    expect(sessions.get(id)).toBeUndefined();

    settings.idle_session_lifetime = 1;
    const short = sessions.start(undefined, alice);
    expect(sessions.cookieSeconds(short)).toBe(3600);
    clock.now += 3600 * 1000;
    expect(sessions.get(short)).toBeUndefined();
  });

  it('replaces the browser’s previous session when someone else logs in', () => {
    const sessions = newSessions(() => 0);
    const first = sessions.start(undefined, alice);
    const firstSid = sessions.get(first)?.sid;
    const second = sessions.start(first, { ...alice, providerUserId: '2' });
    expect(sessions.get(first)).toBeUndefined();
    expect(sessions.get(second)?.providerUserId).toBe('2');
    expect(sessions.get(second)?.sid).not.toBe(firstSid);
  });

  it('keeps the session, its sid and its applications when the same identity logs in again', () => {
    const sessions = newSessions(() => 0);
    const first = sessions.start(undefined, alice);
    const sid = sessions.addClient(first, 'app-1', 'google-oauth2|1');
    const again = sessions.start(first, { ...alice, authTime: 2_000 });
    expect(again).toBe(first);
    expect(sessions.addClient(again, 'app-2', 'google-oauth2|1')).toBe(sid);
    expect(sessions.get(again)).toMatchObject({ authTime: 2_000, sid });
    expect([...(sessions.get(again)?.clients.keys() ?? [])]).toEqual(['app-1', 'app-2']);
  });

  it('gives the sid, never the cookie value, to the ID tokens', () => {
    const sessions = newSessions(() => 0);
    const id = sessions.start(undefined, alice);
    expect(sessions.addClient(id, 'app-1', 'google-oauth2|1')).not.toBe(id);
  });

  it('returns the ended session once, for back-channel logout', () => {
    const sessions = newSessions(() => 0);
    const id = sessions.start(undefined, alice);
    sessions.addClient(id, 'app-1', 'google-oauth2|1');
    expect(sessions.end(id)?.clients.get('app-1')).toBe('google-oauth2|1');
    expect(sessions.end(id)).toBeUndefined();
  });
});

describe('whether a session spares the login page', () => {
  const session: SsoSession = {
    ...alice,
    sid: 'sid-1',
    clients: new Map(),
    startedAt: 0,
    expiresAt: Number.POSITIVE_INFINITY,
  };
  it.each([
    ['no constraint', { prompt: [], maxAge: undefined, connection: undefined }, true],
    ['the same connection', { prompt: [], maxAge: undefined, connection: 'google-oauth2' }, true],
    ['max_age not yet reached', { prompt: [], maxAge: 60, connection: undefined }, true],
    ['prompt=login', { prompt: ['login'], maxAge: undefined, connection: undefined }, false],
    ['max_age=0', { prompt: [], maxAge: 0, connection: undefined }, false],
    ['max_age exceeded', { prompt: [], maxAge: 59, connection: undefined }, false],
    ['another connection', { prompt: [], maxAge: undefined, connection: 'github' }, false],
  ])('%s: %s', (_, request, expected) => {
    expect(sessionSatisfies(session, request, alice.authTime + 60)).toBe(expected);
  });

  it.each([
    ['', undefined],
    ['0', 0],
    ['300', 300],
    ['-1', 'invalid'],
    ['1.5', 'invalid'],
    ['soon', 'invalid'],
  ])('reads max_age %j as %j', (value, expected) => {
    expect(parseMaxAge(value)).toBe(expected);
  });
});
