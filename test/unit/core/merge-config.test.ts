import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config.ts';
import { ConfigError } from '../../../core/errors.ts';
import { planMetadataMerge } from '../../../core/merge.ts';
import { splitUserId } from '../../../core/users.ts';
import { makeUser } from '../../support/users.ts';

describe('metadata merge', () => {
  it('copies only the secondary keys the primary lacks, primary winning conflicts', () => {
    const primary = makeUser('auth0|p', { user_metadata: { theme: 'dark' } });
    const secondary = makeUser('google-oauth2|s', { user_metadata: { theme: 'light', plan: 'pro' } });
    expect(planMetadataMerge(primary, secondary, [])).toEqual({ user_metadata: { plan: 'pro' } });
  });

  it('copies app_metadata only for the listed keys', () => {
    const primary = makeUser('auth0|p');
    const secondary = makeUser('google-oauth2|s', {
      app_metadata: { roles: ['admin'], customer_id: 'c1' },
    });
    expect(planMetadataMerge(primary, secondary, ['customer_id'])).toEqual({
      app_metadata: { customer_id: 'c1' },
    });
  });

  it('returns nothing rather than an empty object when nothing changes', () => {
    const primary = makeUser('auth0|p', { user_metadata: { a: 1 } });
    expect(planMetadataMerge(primary, makeUser('github|s', { user_metadata: { a: 2 } }), [])).toBeUndefined();
  });
});

describe('user ids', () => {
  it('splits provider-local ids on the first bar only', () => {
    expect(splitUserId('samlp|acme|jdoe')).toEqual({ provider: 'samlp', user_id: 'acme|jdoe' });
  });
});

describe('configuration', () => {
  const valid = {
    AUTH0_DOMAIN: 'tenant.example.com',
    AUTH0_CLIENT_ID: 'id',
    AUTH0_CLIENT_SECRET: 'client-secret-that-is-32-chars-long',
  };
  const TOKEN_SECRET = 'a-session-token-secret-of-32-chars!!';

  it.each([
    [{ AUTH0_DOMAIN: '' }, 'AUTH0_DOMAIN'],
    [{ AUTH0_DOMAIN: 'https://tenant.example.com' }, 'AUTH0_DOMAIN'],
    [{ AUTH0_CLIENT_SECRET: ' ' }, 'AUTH0_CLIENT_SECRET'],
    [{ CONSENT_URL: 'https://x.example/consent' }, 'SESSION_TOKEN_SECRET'],
    [{ CONSENT_URL: 'https://x.example/consent', SESSION_TOKEN_SECRET: 'short' }, 'SESSION_TOKEN_SECRET'],
    [{ CONSENT_URL: 'javascript:alert(1)', SESSION_TOKEN_SECRET: TOKEN_SECRET }, 'CONSENT_URL'],
    [{ CONSENT_URL: 'http://link.example.com/consent', SESSION_TOKEN_SECRET: TOKEN_SECRET }, 'CONSENT_URL'],
    [{ SESSION_TOKEN_SECRET: 'x'.repeat(32) }, 'SESSION_TOKEN_SECRET'],
    [{ SESSION_TOKEN_SECRET: 'client-secret-that-is-32-chars-long' }, 'SESSION_TOKEN_SECRET'],
    [{ CHECK_ON: 'sometimes' }, 'CHECK_ON'],
    [{ DRY_RUN: 'yes' }, 'DRY_RUN'],
  ])('rejects %j naming %s', (override, variable) => {
    const attempt = () => parseConfig({ ...valid, ...override });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(expect.objectContaining({ variable }));
  });

  it.each([
    ['one repeated character', 'x'.repeat(32), 'must not be one repeated character'],
    ['the M2M client secret', 'client-secret-that-is-32-chars-long', 'must differ from AUTH0_CLIENT_SECRET'],
  ])('refuses a SESSION_TOKEN_SECRET that is %s', (_, value, message) => {
    const attempt = () => parseConfig({ ...valid, SESSION_TOKEN_SECRET: value });
    expect(attempt).toThrow(
      expect.objectContaining({
        variable: 'SESSION_TOKEN_SECRET',
        code: 'invalid_config',
        reason: 'invalid',
      }),
    );
    expect(attempt).toThrow(`SESSION_TOKEN_SECRET ${message}`);
  });

  it('accepts a plain-http consent page on localhost only', () => {
    const config = parseConfig({
      ...valid,
      CONSENT_URL: 'http://localhost:3000/consent',
      SESSION_TOKEN_SECRET: TOKEN_SECRET,
    });
    expect(config.consentUrl).toBe('http://localhost:3000/consent');
  });

  it('reads lists, the wildcard and defaults', () => {
    const config = parseConfig({ ...valid, AUTO_LINK_CONNECTIONS: ' *, github', SKIP_CLIENT_IDS: 'a, b' });
    expect(config).toMatchObject({
      autoLinkConnections: '*',
      skipClientIds: ['a', 'b'],
      checkOn: 'every-login',
      dryRun: false,
      consentUrl: undefined,
    });
  });
});
