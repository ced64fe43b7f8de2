import type { Management } from 'auth0';
import {
  createManagementSdk,
  ManagementApiError,
  retryingFetch,
  toManagementApiError,
} from '../../core/management-client.ts';
import type { DeployConfig } from './config.ts';

export interface RemoteClient {
  client_id: string;
  name: string;
  client_secret?: string;
  client_metadata?: Record<string, string>;
  [field: string]: unknown;
}

export interface RemoteGrant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
}

export interface RemoteActionVersion {
  id: string;
  number?: number;
  code: string;
  runtime: string;
  secrets?: Array<{ name: string }>;
}

export interface RemoteAction {
  id: string;
  name: string;
  code: string;
  runtime: string;
  supported_triggers: Array<{ id: string; version: string }>;
  secrets?: Array<{ name: string }>;
  all_changes_deployed?: boolean;
  deployed_version?: RemoteActionVersion;
}

export interface RemoteConnection {
  id: string;
  name: string;
  strategy: string;
  /** Client ids, from `GET /connections/{id}/clients`. */
  enabled_clients: string[];
}

export interface RemoteBinding {
  display_name: string;
  action: { id: string; name: string };
}

/** The deploy's reads and its one write (the fingerprint), over the Management API. */
export interface DeployPort {
  listClients(): Promise<RemoteClient[]>;
  clientSecret(clientId: string): Promise<string>;
  listGrants(): Promise<RemoteGrant[]>;
  /** The connections named `names`, with their enabled clients. */
  findConnections(names: readonly string[]): Promise<RemoteConnection[]>;
  findAction(name: string): Promise<RemoteAction | undefined>;
  postLoginBindings(): Promise<RemoteBinding[]>;
  setClientMetadata(clientId: string, metadata: Record<string, string>): Promise<void>;
  /** Requests sent so far (token included). */
  readonly requests: number;
}

const TIMEOUT_SECONDS = 15;
const PER_PAGE = 100;

/** The `auth0` SDK with the deploy credential and the Node programs' retry rule; constructing it sends nothing. */
export function createDeployPort(
  config: Pick<DeployConfig, 'domain' | 'clientId' | 'clientSecret'>,
): DeployPort {
  let requests = 0;
  const management = createManagementSdk({
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    timeoutSeconds: TIMEOUT_SECONDS,
    fetch: retryingFetch({
      beforeAttempt: async () => {
        requests += 1;
      },
    }),
  });

  async function call<T>(what: string, scope: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (cause) {
      throw toManagementApiError(cause, what, scope);
    }
  }

  /** Every item of every page: the SDK fetches the next page while the last was full. */
  async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of page) items.push(item);
    return items;
  }

  return {
    get requests() {
      return requests;
    },
    listClients: () =>
      call('GET /clients', 'read:clients', async () =>
        all(await management.clients.list({ is_global: false, per_page: PER_PAGE, include_totals: true })),
      ) as Promise<RemoteClient[]>,
    async clientSecret(clientId) {
      const client = await call('GET /clients/{id}', 'read:client_keys', () =>
        management.clients.get(clientId, { fields: 'client_secret', include_fields: true }),
      );
      if (typeof client.client_secret !== 'string') {
        throw new ManagementApiError(
          'GET /clients/{id} returned no client_secret: the deploy credential needs read:client_keys',
        );
      }
      return client.client_secret;
    },
    listGrants: () =>
      call('GET /client-grants', 'read:client_grants', async () =>
        all(await management.clientGrants.list({ take: PER_PAGE })),
      ) as Promise<RemoteGrant[]>,
    async findConnections(names) {
      const found = await Promise.all(
        names.map((name) =>
          call('GET /connections', 'read:connections', async () =>
            all(await management.connections.list({ name })),
          ),
        ),
      );
      return Promise.all(
        found.flat().map(async (connection) => {
          const clients = await call('GET /connections/{id}/clients', 'read:connections', async () =>
            all(await management.connections.clients.get(connection.id ?? '', { take: PER_PAGE })),
          );
          return {
            id: connection.id ?? '',
            name: connection.name ?? '',
            strategy: connection.strategy ?? '',
            enabled_clients: clients.map((client) => client.client_id),
          };
        }),
      );
    },
    async findAction(name) {
      const actions = (await call('GET /actions/actions', 'read:actions', async () =>
        all(await management.actions.list({ actionName: name, per_page: PER_PAGE })),
      )) as RemoteAction[];
      return actions.find((a) => a.name === name);
    },
    postLoginBindings: () =>
      call('GET /actions/triggers/post-login/bindings', 'read:actions', async () =>
        all(await management.actions.triggers.bindings.list('post-login', { per_page: PER_PAGE })),
      ) as Promise<RemoteBinding[]>,
    async setClientMetadata(clientId, metadata) {
      await call('PATCH /clients/{id}', 'update:clients', () =>
        management.clients.update(clientId, { client_metadata: metadata as Management.ClientMetadata }),
      );
    },
  };
}
