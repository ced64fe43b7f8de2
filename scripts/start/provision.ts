import type { RunningTenant } from '../../emulator/index.ts';

export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

export interface DemoClients {
  action: ClientCredentials;
  web: ClientCredentials;
  reauth: ClientCredentials;
}

export interface DemoSetup {
  webUrl: string;
  actionCode: string;
  sessionTokenSecret: string;
}

const ACTION_NAME = 'account-linking';
const LINKING_SCOPES = ['read:users', 'update:users'];

/**
 * Puts the demo's clients, grants and Action into a local tenant through its Management API, idempotently by name,
 * until `scripts/deploy` imports the same setup from tenant.yaml with a0deploy.
 */
export async function provisionDemo(tenant: RunningTenant, setup: DemoSetup): Promise<DemoClients> {
  const api = await managementApi(tenant);
  const audience = `${tenant.issuer}api/v2/`;
  const action = await ensureClient(api, {
    name: 'Account Linking Action',
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
  });
  const web = await ensureClient(api, {
    name: 'Account Linking Web',
    app_type: 'regular_web',
    callbacks: [`${setup.webUrl}/callback`],
    allowed_logout_urls: [`${setup.webUrl}/`, `${setup.webUrl}/account`],
    grant_types: ['authorization_code', 'client_credentials'],
  });
  const reauth = await ensureClient(api, {
    name: 'Account Linking Re-authentication',
    app_type: 'regular_web',
    callbacks: [`${setup.webUrl}/consent/callback`, `${setup.webUrl}/account/link/callback`],
    grant_types: ['authorization_code'],
  });
  for (const client of [action, web]) {
    await api(
      'POST',
      '/client-grants',
      { client_id: client.client_id, audience, scope: LINKING_SCOPES },
      [201, 409],
    );
  }
  const secrets = {
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_CLIENT_ID: action.client_id,
    AUTH0_CLIENT_SECRET: action.client_secret,
    CONSENT_URL: `${setup.webUrl}/consent`,
    SESSION_TOKEN_SECRET: setup.sessionTokenSecret,
    SKIP_CLIENT_IDS: reauth.client_id,
  };
  await ensureAction(api, setup.actionCode, secrets);
  return { action, web, reauth };
}

type ManagementCall = (method: string, path: string, body?: unknown, ok?: number[]) => Promise<unknown>;

async function managementApi(tenant: RunningTenant): Promise<ManagementCall> {
  const response = await fetch(`${tenant.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: tenant.clientId,
      client_secret: tenant.clientSecret,
      audience: `${tenant.issuer}api/v2/`,
    }),
  });
  const { access_token } = (await response.json()) as { access_token: string };
  return async (method, path, body, ok = [200, 201, 204]) => {
    const answer = await fetch(`${tenant.url}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    if (!ok.includes(answer.status)) throw new Error(`${method} ${path} answered ${answer.status}: ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
}

async function ensureClient(
  api: ManagementCall,
  client: Record<string, unknown> & { name: string },
): Promise<ClientCredentials> {
  const { clients } = (await api('GET', '/clients?per_page=100&include_totals=true&is_global=false')) as {
    clients: { client_id: string; name: string }[];
  };
  const existing = clients.find((candidate) => candidate.name === client.name);
  const saved = (
    existing === undefined
      ? await api('POST', '/clients', client)
      : await api('PATCH', `/clients/${existing.client_id}`, client)
  ) as { client_id: string };
  const { client_secret } = (await api('GET', `/clients/${saved.client_id}?fields=client_secret`)) as {
    client_secret: string;
  };
  return { client_id: saved.client_id, client_secret };
}

async function ensureAction(
  api: ManagementCall,
  code: string,
  secrets: Record<string, string>,
): Promise<void> {
  const { actions } = (await api('GET', '/actions/actions?per_page=100')) as {
    actions: { id: string; name: string }[];
  };
  const body = {
    name: ACTION_NAME,
    code,
    runtime: 'node22',
    supported_triggers: [{ id: 'post-login', version: 'v3' }],
    secrets: Object.entries(secrets).map(([name, value]) => ({ name, value })),
  };
  const existing = actions.find((action) => action.name === ACTION_NAME);
  const saved = (
    existing === undefined
      ? await api('POST', '/actions/actions', body)
      : await api('PATCH', `/actions/actions/${existing.id}`, body)
  ) as { id: string };
  for (let attempt = 0; ; attempt++) {
    try {
      await api('POST', `/actions/actions/${saved.id}/deploy`);
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await api('PATCH', '/actions/triggers/post-login/bindings', {
    bindings: [{ ref: { type: 'action_name', value: ACTION_NAME }, display_name: ACTION_NAME }],
  });
}
