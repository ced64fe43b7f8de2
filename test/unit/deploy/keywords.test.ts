import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeployEnv } from '../../../scripts/deploy/config.ts';
import {
  a0deployEnvironment,
  INCLUDED_TYPES,
  keywordMappings,
  postLoginBindings,
  replaceKeywords,
  type TenantFacts,
} from '../../../scripts/deploy/keywords.ts';
import { loadDesiredTenant } from '../../../scripts/deploy/tenant-file.ts';
import { clientCallbackUrls } from '../../../web/routes.ts';
import { DEFAULT_OPTIONAL_SECRETS } from '../../support/action-secrets.ts';

const TENANT_FILE = path.resolve('tenant.yaml');
const SESSION_SECRET = `it's "quoted" \\ and $& long enough ${'x'.repeat(20)}`;
const CONFIG = parseDeployEnv({
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_CLIENT_ID: 'deploy-client',
  AUTH0_CLIENT_SECRET: 'deploy-secret',
  WEB_URL: 'https://link.example.com/app',
  SESSION_TOKEN_SECRET: SESSION_SECRET,
  AUTO_LINK_CONNECTIONS: 'google-oauth2',
});
const FACTS: TenantFacts = {
  actionClient: { client_id: 'action-client-id', client_secret: 'action-client-secret' },
  reauthClientId: 'reauth-client-id',
  postLoginBindings: [
    { action_name: 'add-roles', display_name: 'Add roles' },
    { action_name: 'account-linking', display_name: 'account-linking' },
  ],
};

// a0deploy's own replacement, to prove ours (used for --check and --dry-run) reads tenant.yaml the same way.
const a0deployUtils = createRequire(import.meta.url)('auth0-deploy-cli/lib/tools/utils.js') as {
  keywordReplace(input: string, mappings: Record<string, unknown>): string;
};

describe('keyword mapping', () => {
  it('defines every keyword tenant.yaml uses and yields the Action secrets the Action reads', () => {
    const desired = loadDesiredTenant(TENANT_FILE, keywordMappings(CONFIG, FACTS));
    expect(Object.fromEntries(desired.action.secrets.map((s) => [s.name, s.value]))).toEqual({
      AUTH0_DOMAIN: 'tenant.eu.auth0.com',
      AUTH0_CLIENT_ID: 'action-client-id',
      AUTH0_CLIENT_SECRET: 'action-client-secret',
      CONSENT_URL: 'https://link.example.com/app/consent',
      SESSION_TOKEN_SECRET: SESSION_SECRET,
      AUTO_LINK_CONNECTIONS: 'google-oauth2',
      SKIP_CLIENT_IDS: 'reauth-client-id',
      ...DEFAULT_OPTIONAL_SECRETS,
    });
    expect(desired.action).toMatchObject({
      name: 'account-linking',
      runtime: 'node22',
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
    });
    expect(desired.postLoginBindings).toEqual(FACTS.postLoginBindings);
  });

  it('registers the callback and logout URLs the web app uses', () => {
    const desired = loadDesiredTenant(TENANT_FILE, keywordMappings(CONFIG, FACTS));
    const urls = clientCallbackUrls(CONFIG.webUrl);
    const byName = Object.fromEntries(desired.clients.map((c) => [c.name, c]));
    expect(byName['Account Linking Web']).toMatchObject({
      app_type: 'regular_web',
      callbacks: urls.web,
      allowed_logout_urls: urls.logout,
      allowed_origins: ['https://link.example.com'],
      grant_types: ['authorization_code', 'client_credentials'],
    });
    expect(byName['Account Linking Web']?.oidc_logout).toMatchObject({
      backchannel_logout_urls: ['https://link.example.com/app/backchannel-logout'],
    });
    expect(byName['Account Linking Re-authentication']).toMatchObject({ callbacks: urls.reauth });
    expect(byName['Account Linking Action']).toMatchObject({
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    });
  });

  it.each([
    ['a real tenant', 'tenant.eu.auth0.com', []],
    ['the local tenant', 'localhost:8443', ['http://localhost:3000/backchannel-logout']],
  ])('registers a back-channel logout URL on http://localhost only with %s', (_, domain, expected) => {
    const config = parseDeployEnv({
      AUTH0_DOMAIN: domain,
      AUTH0_CLIENT_ID: 'deploy-client',
      AUTH0_CLIENT_SECRET: 'deploy-secret',
      WEB_URL: 'http://localhost:3000',
      SESSION_TOKEN_SECRET: SESSION_SECRET,
    });
    const desired = loadDesiredTenant(TENANT_FILE, keywordMappings(config, FACTS));
    const web = desired.clients.find((client) => client.name === 'Account Linking Web');
    expect(web?.oidc_logout).toMatchObject({ backchannel_logout_urls: expected });
  });

  it('grants the Action exactly read:users update:users, and the web client read:connections and its options too', () => {
    const desired = loadDesiredTenant(TENANT_FILE, keywordMappings(CONFIG, FACTS));
    expect(desired.clientGrants).toEqual([
      {
        client_id: 'Account Linking Action',
        audience: 'https://tenant.eu.auth0.com/api/v2/',
        scope: ['read:users', 'update:users'],
      },
      {
        client_id: 'Account Linking Web',
        audience: 'https://tenant.eu.auth0.com/api/v2/',
        scope: ['read:users', 'update:users', 'read:connections', 'read:connections_options'],
      },
    ]);
  });

  it('replaces keywords exactly as a0deploy does', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(TENANT_FILE, 'utf8');
    const mappings = keywordMappings(CONFIG, FACTS);
    expect(replaceKeywords(text, mappings)).toBe(a0deployUtils.keywordReplace(text, { ...mappings }));
  });

  it('keeps the other post-login Actions in order and adds this one last when it is new', () => {
    expect(
      postLoginBindings([
        { action_name: 'b', display_name: 'B' },
        { action_name: 'a', display_name: 'A' },
      ]),
    ).toEqual([
      { action_name: 'b', display_name: 'B' },
      { action_name: 'a', display_name: 'A' },
      { action_name: 'account-linking', display_name: 'account-linking' },
    ]);
    const existing = [
      { action_name: 'account-linking', display_name: 'linking' },
      { action_name: 'a', display_name: 'A' },
    ];
    expect(postLoginBindings(existing)).toEqual(existing);
  });

  it('runs a0deploy with a closed environment: deletion off, the five types, nothing inherited', () => {
    const env = a0deployEnvironment(CONFIG, keywordMappings(CONFIG, FACTS), {
      includedTypes: INCLUDED_TYPES.all,
      path: '/usr/bin',
      caFile: '/tmp/ca.pem',
    });
    expect(Object.keys(env).sort()).toEqual([
      'AUTH0_ALLOW_DELETE',
      'AUTH0_CLIENT_ID',
      'AUTH0_CLIENT_SECRET',
      'AUTH0_DOMAIN',
      'AUTH0_INCLUDED_ONLY',
      'AUTH0_KEYWORD_REPLACE_MAPPINGS',
      'NODE_EXTRA_CA_CERTS',
      'PATH',
    ]);
    expect(env.AUTH0_ALLOW_DELETE).toBe('false');
    expect(JSON.parse(env.AUTH0_INCLUDED_ONLY ?? '')).toEqual([
      'actions',
      'triggers',
      'clients',
      'clientGrants',
      'connections',
    ]);
    // The deploy credential is an environment variable, hence also a keyword: tenant.yaml must not use it.
    expect(env.AUTH0_CLIENT_ID).toBe('deploy-client');
    expect(JSON.parse(env.AUTH0_KEYWORD_REPLACE_MAPPINGS ?? '')).toMatchObject({
      ACTION_CLIENT_ID: 'action-client-id',
    });
  });
});
