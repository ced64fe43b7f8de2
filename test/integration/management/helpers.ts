import { ManagementClient } from 'auth0';
import { AuthenticationClient } from 'auth0/legacy';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';

export function managementClient(
  tenant: TestTenant,
  options: { maxRetries?: number } = {},
): ManagementClient {
  return new ManagementClient({
    domain: tenant.domain,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    maxRetries: options.maxRetries ?? 0,
  });
}

/** `useTestTenant`, also handing over an SDK client with the bootstrap credential. */
export function useManagedTenant(
  started: (tenant: TestTenant, management: ManagementClient) => void,
  options: Parameters<typeof useTestTenant>[1] = {},
): void {
  useTestTenant((tenant) => started(tenant, managementClient(tenant)), options);
}

/** An SDK client holding a token granted only `scopes`. */
export async function managementClientWithScopes(
  tenant: TestTenant,
  scopes: string[],
): Promise<ManagementClient> {
  return new ManagementClient({ domain: tenant.domain, token: await tokenWithScopes(tenant, scopes) });
}

/** A new M2M client granted only `scopes` on the Management API, and its access token. */
export async function tokenWithScopes(tenant: TestTenant, scopes: string[]): Promise<string> {
  const admin = managementClient(tenant);
  const client = await admin.clients.create({
    name: `limited ${scopes.join(' ')} ${Math.random()}`,
    app_type: 'non_interactive',
  });
  await admin.clientGrants.create({
    client_id: client.client_id!,
    audience: `https://${tenant.domain}/api/v2/`,
    scope: scopes,
  });
  const auth = new AuthenticationClient({
    domain: tenant.domain,
    clientId: client.client_id!,
    clientSecret: client.client_secret!,
  });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${tenant.domain}/api/v2/` });
  return data.access_token;
}

/** Captures the rejection of a promise (the SDK's `ManagementError`) for assertions on status and body. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ statusCode?: number; body?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { statusCode?: number; body?: unknown };
  }
  throw new Error('expected the call to fail');
}
