import { describe, expect, it } from 'vitest';
import { parseDeployEnv } from '../../../scripts/deploy/config.ts';
import { DeployConfigError } from '../../../scripts/deploy/errors.ts';
import { thrownBy } from '../../support/thrown.ts';

const VALID = {
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_CLIENT_ID: 'deploy-client',
  AUTH0_CLIENT_SECRET: 'deploy-secret',
  WEB_URL: 'https://link.example.com',
  SESSION_TOKEN_SECRET: 'a-session-token-secret-of-32-chars!!',
};

function problemsOf(env: Record<string, string | undefined>) {
  return thrownBy(DeployConfigError, () => parseDeployEnv(env)).problems;
}

describe('parseDeployEnv', () => {
  it('accepts the required variables and fills the Action defaults', () => {
    expect(parseDeployEnv(VALID)).toEqual({
      domain: 'tenant.eu.auth0.com',
      clientId: 'deploy-client',
      clientSecret: 'deploy-secret',
      webUrl: 'https://link.example.com',
      webOrigin: 'https://link.example.com',
      sessionTokenSecret: 'a-session-token-secret-of-32-chars!!',
      autoLinkConnections: '',
      checkOn: 'every-login',
      mergeAppMetadataKeys: '',
      dryRun: false,
      primaryPolicy: 'oldest',
      notNowDays: 7,
      linkNotice: 'claim',
    });
    expect(
      parseDeployEnv({
        ...VALID,
        PRIMARY_POLICY: 'connections: acme , github',
        NOT_NOW_DAYS: '0',
        LINK_NOTICE: 'page',
      }),
    ).toMatchObject({ primaryPolicy: 'connections:acme,github', notNowDays: 0, linkNotice: 'page' });
  });

  it('normalises the domain, the web URL and the lists', () => {
    const config = parseDeployEnv({
      ...VALID,
      AUTH0_DOMAIN: 'LocalHost:8443',
      WEB_URL: 'http://localhost:3000/',
      AUTO_LINK_CONNECTIONS: ' google-oauth2 , Username-Password-Authentication',
      MERGE_APP_METADATA_KEYS: 'plan',
      CHECK_ON: 'first-login',
      DRY_RUN: 'true',
    });
    expect(config).toMatchObject({
      domain: 'localhost:8443',
      webUrl: 'http://localhost:3000',
      webOrigin: 'http://localhost:3000',
      autoLinkConnections: 'google-oauth2,Username-Password-Authentication',
      mergeAppMetadataKeys: 'plan',
      checkOn: 'first-login',
      dryRun: true,
    });
  });

  it.each([
    ['AUTH0_DOMAIN'],
    ['AUTH0_CLIENT_ID'],
    ['AUTH0_CLIENT_SECRET'],
    ['WEB_URL'],
    ['SESSION_TOKEN_SECRET'],
  ])('names the missing variable %s', (variable) => {
    expect(problemsOf({ ...VALID, [variable]: undefined })).toEqual([
      { variable, reason: 'missing', message: `${variable} is required` },
    ]);
    expect(problemsOf({ ...VALID, [variable]: '  ' })[0]?.variable).toBe(variable);
  });

  it.each([
    ['AUTH0_DOMAIN', 'https://tenant.eu.auth0.com', 'without https://'],
    ['AUTH0_DOMAIN', 'tenant.eu.auth0.com/api', 'without https://'],
    ['WEB_URL', 'link.example.com', 'absolute URL'],
    ['WEB_URL', 'http://link.example.com', 'must use https'],
    ['WEB_URL', 'ftp://localhost', 'must use https'],
    ['WEB_URL', 'https://link.example.com/?next=1', 'without credentials, query'],
    ['WEB_URL', "https://link.example.com/it's", 'quotes'],
    ['SESSION_TOKEN_SECRET', 'x'.repeat(31), 'at least 32 characters'],
    ['SESSION_TOKEN_SECRET', 'x'.repeat(32), 'must not be one repeated character'],
    ['CHECK_ON', 'sometimes', '"every-login" or "first-login"'],
    ['PRIMARY_POLICY', 'newest', '"oldest", "database-first" or "connections:<a>,<b>"'],
    ['NOT_NOW_DAYS', '-3', 'whole number of days'],
    ['LINK_NOTICE', 'off', '"claim" (an ID token claim after a silent link) or "page"'],
    ['DRY_RUN', 'yes', '"true" or "false"'],
    ['AUTO_LINK_CONNECTIONS', 'github,,google-oauth2', 'comma-separated list'],
    ['MERGE_APP_METADATA_KEYS', 'plan, two words', 'comma-separated list'],
  ])('refuses %s=%j and names it', (variable, value, message) => {
    const problems = problemsOf({ ...VALID, [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ variable, reason: 'invalid' });
    expect(problems[0]?.message).toContain(variable);
    expect(problems[0]?.message).toContain(message);
  });

  it('refuses a SESSION_TOKEN_SECRET equal to AUTH0_CLIENT_SECRET', () => {
    const secret = 'deploy-secret-that-is-32-characters';
    const problems = problemsOf({ ...VALID, AUTH0_CLIENT_SECRET: secret, SESSION_TOKEN_SECRET: secret });
    expect(problems).toEqual([
      {
        variable: 'SESSION_TOKEN_SECRET',
        reason: 'invalid',
        message: 'SESSION_TOKEN_SECRET must differ from AUTH0_CLIENT_SECRET',
      },
    ]);
  });

  it('reports every problem at once and never echoes a secret value', () => {
    const weak = 'short-secret-value';
    const error = (() => {
      try {
        parseDeployEnv({ ...VALID, AUTH0_CLIENT_ID: '', SESSION_TOKEN_SECRET: weak, CHECK_ON: 'x' });
      } catch (caught) {
        return caught as DeployConfigError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.code).toBe('invalid_config');
    expect(error.problems.map((p) => p.variable)).toEqual([
      'AUTH0_CLIENT_ID',
      'SESSION_TOKEN_SECRET',
      'CHECK_ON',
    ]);
    expect(error.message).not.toContain(weak);
  });
});
