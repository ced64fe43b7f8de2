import { describe, expect, it } from 'vitest';
import { FaultInjector, validateFaultRules } from '../../../emulator/faults.ts';

describe('FaultInjector', () => {
  it('matches method and path patterns with * and :param', () => {
    const faults = new FaultInjector(() => 0);
    faults.set([
      { route: 'GET /api/v2/users/:id', status: 500 },
      { route: '* /oauth/*', latencyMs: 10 },
    ]);
    expect(faults.match('GET', '/api/v2/users/auth0%7Cx')?.effect).toBe('status');
    expect(faults.match('GET', '/api/v2/users/auth0%7Cx/identities')).toBeUndefined();
    expect(faults.match('PATCH', '/api/v2/users/x')).toBeUndefined();
    expect(faults.match('POST', '/oauth/token')?.effect).toBe('latency');
  });

  it('retires a rule after count hits', () => {
    const faults = new FaultInjector(() => 0);
    faults.set([{ route: 'GET /x', drop: true, count: 2 }]);
    expect(
      [faults.match('GET', '/x'), faults.match('GET', '/x'), faults.match('GET', '/x')].map((h) => h?.effect),
    ).toEqual(['drop', 'drop', undefined]);
  });

  it('hits a request only when the random draw falls under rate', () => {
    const draws = [0.1, 0.5, 0.3];
    const faults = new FaultInjector(() => draws.shift() ?? 1);
    faults.set([{ route: 'GET /x', status: 503, rate: 0.3 }]);
    expect(
      [faults.match('GET', '/x'), faults.match('GET', '/x'), faults.match('GET', '/x')].map(Boolean),
    ).toEqual([true, false, false]);
  });

  it.each([
    [[{ route: 'users', status: 500 }], '"route" must look like'],
    [[{ route: 'GET /x', status: 200 }], '"status" must be an HTTP error status'],
    [[{ route: 'GET /x', status: 500, rate: 2 }], '"rate" must be between 0 and 1'],
    [[{ route: 'GET /x' }], 'needs "status", "drop", "malformed" or "latencyMs"'],
    [{ route: 'GET /x' }, 'must be an array'],
  ])('rejects invalid rules: %j', (input, message) => {
    expect(() => validateFaultRules(input)).toThrow(message);
  });
});
