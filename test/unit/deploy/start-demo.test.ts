import { describe, expect, it } from 'vitest';
import { webAppEnv } from '../../../scripts/start/demo.ts';
import { parseWebConfig } from '../../../web/config.ts';

const CLIENTS = {
  web: { client_id: 'web-client', client_secret: 'web-secret' },
  reauth: { client_id: 'reauth-client', client_secret: 'reauth-secret' },
};
const OPTIONS = {
  webUrl: 'http://localhost:3000',
  port: 3000,
  sessionTokenSecret: 'demo-session-token-secret-0123456789abcdef',
  cookieSecret: 'demo-cookie-secret-0123456789abcdefghijkl',
};

describe('the web app npm start serves', () => {
  it("gets the Action's PRIMARY_POLICY and MERGE_APP_METADATA_KEYS, so the account page links as the Action would", () => {
    const env = webAppEnv('localhost:8443', CLIENTS, {
      ...OPTIONS,
      actionSettings: {
        PRIMARY_POLICY: 'connections:github',
        MERGE_APP_METADATA_KEYS: 'plan, tier',
        CHECK_ON: 'first-login',
      },
    });
    const config = parseWebConfig(env);
    expect(config.primaryPolicy).toEqual({ kind: 'connections', order: ['github'] });
    expect(config.mergeAppMetadataKeys).toEqual(['plan', 'tier']);
    expect(env).not.toHaveProperty('CHECK_ON');
  });

  it('keeps the default (oldest) when npm start was given no PRIMARY_POLICY', () => {
    const env = webAppEnv('localhost:8443', CLIENTS, {
      ...OPTIONS,
      actionSettings: { PRIMARY_POLICY: undefined },
    });
    expect(env).not.toHaveProperty('PRIMARY_POLICY');
    expect(parseWebConfig(env)).toMatchObject({
      primaryPolicy: { kind: 'oldest' },
      mergeAppMetadataKeys: [],
    });
  });
});
