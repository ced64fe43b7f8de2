import { describe, expect, it } from 'vitest';
import { OneTimeCodes } from '../../../emulator/passwordless/codes.ts';

const RULES = { length: 6, lifetimeSeconds: 180 };

function codes() {
  const clock = { now: 1_000_000 };
  return { clock, codes: new OneTimeCodes(() => clock.now) };
}

describe('passwordless one-time codes', () => {
  it('issues digits of the asked length', () => {
    expect(codes().codes.issue('email', 'a@x.test', 'app', { length: 8, lifetimeSeconds: 60 })).toMatch(
      /^\d{8}$/,
    );
  });

  it('accepts a code once', () => {
    const { codes: store } = codes();
    const code = store.issue('email', 'a@x.test', 'app', RULES);
    expect(store.redeem('email', 'a@x.test', 'app', code)).toBe('accepted');
    expect(store.redeem('email', 'a@x.test', 'app', code)).toBe('wrong');
  });

  it('refuses a code issued for another application or another address', () => {
    const { codes: store } = codes();
    const code = store.issue('email', 'a@x.test', 'app', RULES);
    expect(store.redeem('email', 'b@x.test', 'app', code)).toBe('wrong');
    expect(store.redeem('email', 'a@x.test', 'other-app', code)).toBe('wrong');
    expect(store.redeem('email', 'a@x.test', 'app', code)).toBe('accepted');
  });

  it('spends the code at the third failure', () => {
    const { codes: store } = codes();
    const code = store.issue('sms', '+14155550123', 'app', RULES);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) expect(store.redeem('sms', '+14155550123', 'app', wrong)).toBe('wrong');
    expect(store.redeem('sms', '+14155550123', 'app', code)).toBe('wrong');
  });

  it('refuses a code at the end of its lifetime', () => {
    const { clock, codes: store } = codes();
    const code = store.issue('email', 'a@x.test', 'app', RULES);
    clock.now += 180_000;
    expect(store.redeem('email', 'a@x.test', 'app', code)).toBe('wrong');
  });

  it('drops the codes nobody entered once they expire, at the next code sent', () => {
    const { clock, codes: store } = codes();
    for (let i = 0; i < 50; i++) store.issue('email', `abandoned-${i}@x.test`, 'app', RULES);
    clock.now += 180_000;
    store.issue('email', 'a@x.test', 'app', RULES);
    expect(store.size).toBe(1);
  });

  it('keeps a resent code for its full lifetime, not its predecessor’s', () => {
    const { clock, codes: store } = codes();
    store.issue('email', 'a@x.test', 'app', RULES);
    store.issue('email', 'b@x.test', 'app', RULES);
    clock.now += 90_000;
    const resent = store.issue('email', 'a@x.test', 'app', RULES);
    clock.now += 90_000;
    store.issue('email', 'c@x.test', 'app', RULES);
    expect(store.size).toBe(2);
    expect(store.redeem('email', 'a@x.test', 'app', resent)).toBe('accepted');
  });
});
