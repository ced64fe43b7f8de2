import { ACTION_CLIENT_NAME, type TenantSnapshot } from './diff.ts';
import { DeployError } from './errors.ts';
import { ACTION_NAME, type BindingEntry, postLoginBindings, type TenantFacts } from './keywords.ts';
import type { DeployPort, RemoteClient } from './management.ts';

export const WEB_CLIENT_NAME = 'Account Linking Web';
export const REAUTH_CLIENT_NAME = 'Account Linking Re-authentication';

export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

export interface TenantState {
  snapshot: TenantSnapshot;
  /** Absent until the Action client and the re-authentication client exist. */
  facts: TenantFacts | undefined;
}

/** Everything the diff needs, read with a handful of GETs (and the deploy credential's token). */
export async function readTenantState(
  port: DeployPort,
  connectionNames: readonly string[] = [],
): Promise<TenantState> {
  const [clients, grants, connections, action, bindings] = await Promise.all([
    port.listClients(),
    port.listGrants(),
    port.findConnections(connectionNames),
    port.findAction(ACTION_NAME),
    port.postLoginBindings(),
  ]);
  const snapshot: TenantSnapshot = { clients, grants, connections, action, postLoginBindings: bindings };
  const current: BindingEntry[] = bindings.map((b) => ({
    action_name: b.action.name,
    display_name: b.display_name,
  }));
  const actionClient = uniqueClient(clients, ACTION_CLIENT_NAME);
  const reauthClient = uniqueClient(clients, REAUTH_CLIENT_NAME);
  if (!actionClient || !reauthClient) return { snapshot, facts: undefined };
  return {
    snapshot,
    facts: {
      actionClient: await credentials(port, actionClient),
      reauthClientId: reauthClient.client_id,
      postLoginBindings: postLoginBindings(current),
    },
  };
}

/** The three clients' credentials, for `npm start` and the web app. */
export async function clientCredentials(
  port: DeployPort,
  clients: readonly RemoteClient[],
): Promise<{ action: ClientCredentials; web: ClientCredentials; reauth: ClientCredentials }> {
  const find = (name: string) => {
    const client = uniqueClient(clients, name);
    if (!client)
      throw new DeployError('import_incomplete', `the client "${name}" is missing after the import`);
    return credentials(port, client);
  };
  const [action, web, reauth] = await Promise.all([
    find(ACTION_CLIENT_NAME),
    find(WEB_CLIENT_NAME),
    find(REAUTH_CLIENT_NAME),
  ]);
  return { action, web, reauth };
}

/** A placeholder for clients that do not exist yet (dry run, first pass). */
export function pendingFacts(snapshot: TenantSnapshot): TenantFacts {
  return {
    actionClient: { client_id: '', client_secret: '' },
    reauthClientId: '',
    postLoginBindings: postLoginBindings(
      snapshot.postLoginBindings.map((b) => ({ action_name: b.action.name, display_name: b.display_name })),
    ),
  };
}

function uniqueClient(clients: readonly RemoteClient[], name: string): RemoteClient | undefined {
  const matching = clients.filter((c) => c.name === name);
  if (matching.length > 1) {
    throw new DeployError(
      'ambiguous_client',
      `the tenant has ${matching.length} clients named "${name}": a0deploy matches clients by name, keep one`,
    );
  }
  return matching[0];
}

async function credentials(port: DeployPort, client: RemoteClient): Promise<ClientCredentials> {
  const secret = client.client_secret ?? (await port.clientSecret(client.client_id));
  return { client_id: client.client_id, client_secret: secret };
}
