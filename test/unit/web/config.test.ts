import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import { parseWebConfig } from '../../../web/config.ts';
import { thrownBy } from '../../support/thrown.ts';
import { TEST_ENV } from './support.ts';

function configError(env: Record<string, string | undefined>): ConfigError {
  return thrownBy(ConfigError, () => parseWebConfig(env));
}

describe('web configuration', () => {
  it('builds a frozen config with the tenant /continue URL derived from AUTH0_DOMAIN', () => {
    const config = parseWebConfig({ ...TEST_ENV, PORT: '4000' });
    expect(config.continueUrl).toBe('https://tenant.example.com/continue');
    expect(config.port).toBe(4000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("listens on the entry point's default host unless HOST names one", () => {
    expect(parseWebConfig(TEST_ENV).host).toBe('127.0.0.1');
    expect(parseWebConfig(TEST_ENV, { host: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(parseWebConfig({ ...TEST_ENV, HOST: '::' }, { host: '0.0.0.0' }).host).toBe('::');
  });

  it.each([
    [undefined, 0],
    ['false', 0],
    ['true', 1],
    ['2', 2],
  ])('reads TRUST_PROXY=%s as %i trusted proxies', (value, hops) => {
    expect(parseWebConfig({ ...TEST_ENV, TRUST_PROXY: value }).trustProxyHops).toBe(hops);
  });

  it('accepts a local tenant domain with a port', () => {
    expect(parseWebConfig({ ...TEST_ENV, AUTH0_DOMAIN: 'localhost:8443' }).tenantOrigin).toBe(
      'https://localhost:8443',
    );
  });

  it.each([
    'AUTH0_DOMAIN',
    'WEB_URL',
    'WEB_CLIENT_ID',
    'WEB_CLIENT_SECRET',
    'REAUTH_CLIENT_ID',
    'REAUTH_CLIENT_SECRET',
    'SESSION_TOKEN_SECRET',
    'COOKIE_SECRET',
  ])('names %s when it is missing', (name) => {
    const error = configError({ ...TEST_ENV, [name]: undefined });
    expect(error.code).toBe('invalid_config');
    expect(error.variable).toBe(name);
    expect(error.message).toBe(`${name} is required`);
  });

  it.each([
    ['AUTH0_DOMAIN', 'https://tenant.example.com'],
    ['AUTH0_DOMAIN', 'tenant.example.com/path'],
    ['WEB_URL', 'link.example.com'],
    ['WEB_URL', 'http://link.example.com'],
    ['SESSION_TOKEN_SECRET', 'short'],
    ['COOKIE_SECRET', 'x'.repeat(31)],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['HOST', 'http://0.0.0.0'],
    ['HOST', 'localhost:3000'],
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', '11'],
  ])('names %s when it is %s', (name, value) => {
    expect(configError({ ...TEST_ENV, [name]: value }).variable).toBe(name);
  });

  it('explains the minimum length of a short secret', () => {
    expect(configError({ ...TEST_ENV, SESSION_TOKEN_SECRET: 'changeme' }).message).toBe(
      'SESSION_TOKEN_SECRET must be at least 32 characters',
    );
  });

  it.each([
    ['one repeated character', 'x'.repeat(32), 'must not be one repeated character'],
    ['the web client secret', 'web-client-secret-that-is-32-chars', 'must differ from WEB_CLIENT_SECRET'],
  ])('refuses a SESSION_TOKEN_SECRET that is %s', (_, value, message) => {
    const error = configError({
      ...TEST_ENV,
      WEB_CLIENT_SECRET: 'web-client-secret-that-is-32-chars',
      SESSION_TOKEN_SECRET: value,
    });
    expect(error.variable).toBe('SESSION_TOKEN_SECRET');
    expect(error.message).toBe(`SESSION_TOKEN_SECRET ${message}`);
  });

  it('allows plain http for WEB_URL on localhost only', () => {
    expect(parseWebConfig({ ...TEST_ENV, WEB_URL: 'http://localhost:3000' }).webUrl).toBe(
      'http://localhost:3000',
    );
  });

  it.each([
    [undefined, { kind: 'oldest' }],
    ['', { kind: 'oldest' }],
    ['connections:github,google-oauth2', { kind: 'connections', order: ['github', 'google-oauth2'] }],
  ])("reads PRIMARY_POLICY=%s with the Action's parser", (value, policy) => {
    expect(parseWebConfig({ ...TEST_ENV, PRIMARY_POLICY: value }).primaryPolicy).toEqual(policy);
  });

  it('names PRIMARY_POLICY when it is not a policy', () => {
    expect(configError({ ...TEST_ENV, PRIMARY_POLICY: 'newest' }).variable).toBe('PRIMARY_POLICY');
  });

  it('refuses the same client for the web login and the re-authentication', () => {
    expect(configError({ ...TEST_ENV, REAUTH_CLIENT_ID: TEST_ENV.WEB_CLIENT_ID }).variable).toBe(
      'REAUTH_CLIENT_ID',
    );
  });
});
