import { describe, expect, it } from 'vitest';
import { codeRules } from '../../../core/passwordless-codes.ts';

describe('passwordless code rules', () => {
  it('reads length and lifetime from options.totp', () => {
    expect(codeRules({ options: { totp: { length: 8, time_step: 300 } } })).toEqual({
      length: 8,
      lifetimeSeconds: 300,
    });
  });

  it.each([
    ['no options', undefined],
    ['no totp', {}],
    ['a length under 4 and a time_step under 60', { totp: { length: 3, time_step: 59 } }],
    ['a length over 40', { totp: { length: 41 } }],
    ['fractions', { totp: { length: 6.5, time_step: 90.5 } }],
    ['strings', { totp: { length: '8', time_step: '300' } }],
  ])("has Auth0's defaults, 6 digits living 180 s, for %s", (_, options) => {
    expect(codeRules(options === undefined ? {} : { options })).toEqual({ length: 6, lifetimeSeconds: 180 });
  });
});
