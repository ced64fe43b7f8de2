import { describe, expect, it } from 'vitest';
import type { LoginGrant } from '../../../emulator/oauth/login-grant.ts';
import {
  MAX_ACTIVE_PER_USER_AND_CLIENT,
  type RefreshPolicy,
  RefreshTokens,
} from '../../../emulator/oauth/refresh-tokens.ts';

const NON_EXPIRING: RefreshPolicy = {
  rotating: false,
  leewaySeconds: 0,
  absoluteSeconds: undefined,
  idleSeconds: undefined,
};
const FROM = { ip: '127.0.0.1', userAgent: undefined };

function grant(overrides: Partial<LoginGrant> = {}): LoginGrant {
  return {
    clientId: 'app',
    userId: 'auth0|1',
    connection: 'Username-Password-Authentication',
    scope: 'openid offline_access',
    audience: undefined,
    nonce: undefined,
    authTime: 1_000,
    sid: 'sid-1',
    idTokenClaims: {},
    ...overrides,
  };
}

function refreshTokens() {
  const clock = { now: 1_000_000 };
  return { clock, tokens: new RefreshTokens(() => clock.now) };
}

describe('refresh token limits', () => {
  it('keeps the newest 200 tokens of a user in an application, revoking the oldest, as Auth0 does', () => {
    const { tokens } = refreshTokens();
    const otherApp = tokens.issue(grant({ clientId: 'other-app' }), NON_EXPIRING, FROM);
    const issued = Array.from({ length: MAX_ACTIVE_PER_USER_AND_CLIENT + 1 }, () =>
      tokens.issue(grant(), NON_EXPIRING, FROM),
    );
    expect(tokens.use(issued[0]!, 'app', NON_EXPIRING, FROM)).toBeUndefined();
    expect(tokens.use(issued[1]!, 'app', NON_EXPIRING, FROM)?.grant.userId).toBe('auth0|1');
    expect(tokens.use(otherApp, 'other-app', NON_EXPIRING, FROM)?.grant.clientId).toBe('other-app');
  });

  it('does not count expired tokens against the limit', () => {
    const { clock, tokens } = refreshTokens();
    const expiring = { ...NON_EXPIRING, absoluteSeconds: 60 };
    const kept = tokens.issue(grant(), NON_EXPIRING, FROM);
    for (let i = 1; i < MAX_ACTIVE_PER_USER_AND_CLIENT; i++) tokens.issue(grant(), expiring, FROM);
    clock.now += 60_000;
    tokens.issue(grant(), NON_EXPIRING, FROM);
    expect(tokens.use(kept, 'app', NON_EXPIRING, FROM)?.grant.userId).toBe('auth0|1');
  });
});
