import { ActionsRegistry, type ActionsState } from './actions-registry.ts';
import { type ConnectionRecord, SEEDED_CONNECTIONS } from './connections.ts';
import { badRequest, conflict, found, notFound } from './errors.ts';
import { prefixedId, randomAlphanumeric, randomSecret } from './ids.ts';
import { DEFAULT_SESSION_HOURS } from './login/sso-sessions.ts';
import { MANAGEMENT_SCOPES } from './management/scopes.ts';
import { UserDirectory, type UserDirectoryState } from './user-directory.ts';

export interface ClientRecord {
  client_id: string;
  client_secret: string;
  name: string;
  app_type?: string;
  is_global: boolean;
  is_first_party: boolean;
  grant_types: string[];
  callbacks: string[];
  allowed_logout_urls: string[];
  web_origins: string[];
  token_endpoint_auth_method: string;
  [field: string]: unknown;
}

export interface ClientGrantRecord {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
  is_system?: boolean;
  subject_type?: string;
}

export interface ResourceServerRecord {
  id: string;
  name: string;
  identifier: string;
  is_system?: boolean;
  scopes: Array<{ value: string; description?: string }>;
  signing_alg: string;
  token_lifetime: number;
  [field: string]: unknown;
}

export interface TenantSnapshot {
  format: 1;
  domain: string;
  users: UserDirectoryState;
  actions: ActionsState;
  clients: ClientRecord[];
  clientGrants: ClientGrantRecord[];
  resourceServers: ResourceServerRecord[];
  connections: ConnectionRecord[];
  settings: Record<string, unknown>;
}

export interface StoreOptions {
  domain: string;
  now: () => number;
  /** Simulated Action build time before `status: 'built'`. */
  actionBuildMs: number;
  bootstrapClient?: { client_id: string; client_secret: string };
}

export const BOOTSTRAP_CLIENT_NAME = 'Local Tenant Bootstrap (Management API)';

/** The tenant's whole state, in memory; `snapshot()`/`restore()` move it to and from a file. */
export class TenantStore {
  readonly users: UserDirectory;
  readonly actions: ActionsRegistry;
  #domain: string;
  #clients = new Map<string, ClientRecord>();
  #grants = new Map<string, ClientGrantRecord>();
  #resourceServers = new Map<string, ResourceServerRecord>();
  #connections = new Map<string, ConnectionRecord>();
  #settings: Record<string, unknown> = {};
  #listeners: Array<() => void> = [];
  /** Kept across `seed()` so a reset never invalidates the credentials printed at start. */
  #bootstrapCredentials: { client_id: string; client_secret: string };

  constructor(options: StoreOptions) {
    this.#domain = options.domain;
    this.#bootstrapCredentials = options.bootstrapClient ?? {
      client_id: randomAlphanumeric(32),
      client_secret: randomSecret(),
    };
    const changed = () => this.#emitChange();
    this.users = new UserDirectory({
      now: options.now,
      connection: (name) => this.connectionByName(name),
      changed,
    });
    this.actions = new ActionsRegistry({ now: options.now, buildMs: options.actionBuildMs, changed });
    this.seed();
  }

  get managementAudience(): string {
    return `https://${this.#domain}/api/v2/`;
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Everything back to a fresh tenant: seeded connections, the Management API and the bootstrap client. */
  seed(): void {
    this.users.clear();
    this.actions.clear();
    this.#clients.clear();
    this.#grants.clear();
    this.#resourceServers.clear();
    this.#connections.clear();
    this.#settings = {
      friendly_name: 'Local Tenant',
      picture_url: '',
      support_email: '',
      support_url: '',
      flags: { enable_client_connections: true },
      enabled_locales: ['en'],
      ...DEFAULT_SESSION_HOURS,
    };
    this.createClient({ name: 'All Applications', is_global: true, app_type: 'regular_web', callbacks: [] });
    const bootstrap = this.createClient({
      name: BOOTSTRAP_CLIENT_NAME,
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      ...this.#bootstrapCredentials,
    });
    this.#resourceServers.set('rs_management', this.#managementApi('rs_management'));
    this.createClientGrant({
      client_id: bootstrap.client_id,
      audience: this.managementAudience,
      scope: [...MANAGEMENT_SCOPES],
    });
    for (const connection of SEEDED_CONNECTIONS) {
      const id = prefixedId('con');
      this.#connections.set(id, {
        ...structuredClone(connection),
        id,
        enabled_clients: this.listClients().map((c) => c.client_id),
      });
    }
    this.#emitChange();
  }

  bootstrapClient(): ClientRecord {
    const client = this.listClients().find((c) => c.name === BOOTSTRAP_CLIENT_NAME);
    if (!client) throw new Error('the bootstrap client is missing from the tenant state');
    return client;
  }

  // Clients

  listClients(): ClientRecord[] {
    return [...this.#clients.values()];
  }

  getClient(clientId: string): ClientRecord | undefined {
    return this.#clients.get(clientId);
  }

  requireClient(clientId: string): ClientRecord {
    return found(this.#clients.get(clientId), 'The client does not exist', 'inexistent_client');
  }

  createClient(input: Record<string, unknown>): ClientRecord {
    if (typeof input.name !== 'string' || input.name === '') {
      throw badRequest("Payload validation error: 'Missing required property: name'.", 'invalid_body');
    }
    const appType = typeof input.app_type === 'string' ? input.app_type : undefined;
    const clientId = typeof input.client_id === 'string' ? input.client_id : randomAlphanumeric(32);
    if (this.#clients.has(clientId))
      throw conflict('A client with this client_id already exists.', 'client_conflict');
    const client: ClientRecord = {
      tenant: 'local',
      is_global: false,
      is_first_party: true,
      oidc_conformant: true,
      callbacks: [],
      allowed_logout_urls: [],
      web_origins: [],
      allowed_origins: [],
      grant_types: defaultGrantTypes(appType),
      token_endpoint_auth_method: appType === 'spa' || appType === 'native' ? 'none' : 'client_secret_post',
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
      ...input,
      name: input.name,
      client_id: clientId,
      client_secret: typeof input.client_secret === 'string' ? input.client_secret : randomSecret(),
    };
    this.#clients.set(clientId, client);
    // The tenant setting Enable Application Connections (`flags.enable_client_connections`, on by default) enables a
    // new application on every connection; a tenant that turned it off enables none
    // (auth0.com/docs/get-started/tenant-settings, "Recommended settings").
    const flags = this.#settings.flags;
    if (!isRecord(flags) || flags.enable_client_connections !== false) {
      for (const connection of this.#connections.values()) connection.enabled_clients.push(clientId);
    }
    this.#emitChange();
    return client;
  }

  updateClient(clientId: string, patch: Record<string, unknown>): ClientRecord {
    const client = this.requireClient(clientId);
    const { client_id: _ignored, ...rest } = patch;
    Object.assign(client, rest);
    this.#emitChange();
    return client;
  }

  deleteClient(clientId: string): void {
    this.requireClient(clientId);
    this.#clients.delete(clientId);
    for (const grant of this.listClientGrants())
      if (grant.client_id === clientId) this.#grants.delete(grant.id);
    for (const connection of this.#connections.values()) {
      connection.enabled_clients = connection.enabled_clients.filter((id) => id !== clientId);
    }
    this.#emitChange();
  }

  // Client grants

  listClientGrants(): ClientGrantRecord[] {
    return [...this.#grants.values()];
  }

  requireClientGrant(id: string): ClientGrantRecord {
    return found(this.#grants.get(id), 'The client grant does not exist.', 'inexistent_client_grant');
  }

  findClientGrant(clientId: string, audience: string): ClientGrantRecord | undefined {
    return this.listClientGrants().find((g) => g.client_id === clientId && g.audience === audience);
  }

  createClientGrant(input: {
    client_id: string;
    audience: string;
    scope: string[];
    subject_type?: string;
  }): ClientGrantRecord {
    this.requireClient(input.client_id);
    if (!this.resourceServerByIdentifier(input.audience)) {
      throw notFound(`No resource server found for audience ${input.audience}`, 'inexistent_resource_server');
    }
    if (this.findClientGrant(input.client_id, input.audience)) {
      throw conflict('A client grant for this client and audience already exists.', 'client_grant_conflict');
    }
    const grant: ClientGrantRecord = { id: prefixedId('cgr'), ...input, scope: [...input.scope] };
    this.#grants.set(grant.id, grant);
    this.#emitChange();
    return grant;
  }

  updateClientGrant(id: string, patch: { scope?: string[] }): ClientGrantRecord {
    const grant = this.requireClientGrant(id);
    if (patch.scope) grant.scope = [...patch.scope];
    this.#emitChange();
    return grant;
  }

  deleteClientGrant(id: string): void {
    this.requireClientGrant(id);
    this.#grants.delete(id);
    this.#emitChange();
  }

  // Resource servers

  listResourceServers(): ResourceServerRecord[] {
    return [...this.#resourceServers.values()];
  }

  resourceServerByIdentifier(identifier: string): ResourceServerRecord | undefined {
    return this.listResourceServers().find((r) => r.identifier === identifier);
  }

  /** Auth0 accepts either the id or the identifier in `/resource-servers/{id}`. */
  requireResourceServer(idOrIdentifier: string): ResourceServerRecord {
    const server =
      this.#resourceServers.get(idOrIdentifier) ?? this.resourceServerByIdentifier(idOrIdentifier);
    if (!server) throw notFound('The resource server does not exist', 'inexistent_resource_server');
    return server;
  }

  createResourceServer(input: Record<string, unknown>): ResourceServerRecord {
    if (typeof input.identifier !== 'string' || input.identifier === '') {
      throw badRequest("Payload validation error: 'Missing required property: identifier'.", 'invalid_body');
    }
    if (this.resourceServerByIdentifier(input.identifier)) {
      throw conflict(
        'A resource server with the same identifier already exists.',
        'resource_server_conflict',
      );
    }
    const id = randomAlphanumeric(24).toLowerCase();
    const server: ResourceServerRecord = {
      signing_alg: 'RS256',
      token_lifetime: 86400,
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: true,
      scopes: [],
      ...input,
      name: typeof input.name === 'string' ? input.name : input.identifier,
      identifier: input.identifier,
      id,
    };
    this.#resourceServers.set(id, server);
    this.#emitChange();
    return server;
  }

  updateResourceServer(idOrIdentifier: string, patch: Record<string, unknown>): ResourceServerRecord {
    const server = this.requireResourceServer(idOrIdentifier);
    if (server.is_system)
      throw badRequest('The system resource server cannot be updated.', 'operation_not_supported');
    const { id: _id, identifier: _identifier, ...rest } = patch;
    Object.assign(server, rest);
    this.#emitChange();
    return server;
  }

  deleteResourceServer(idOrIdentifier: string): void {
    const server = this.requireResourceServer(idOrIdentifier);
    if (server.is_system)
      throw badRequest('The system resource server cannot be deleted.', 'operation_not_supported');
    this.#resourceServers.delete(server.id);
    this.#emitChange();
  }

  // Connections

  listConnections(): ConnectionRecord[] {
    return [...this.#connections.values()];
  }

  connectionByName(name: string): ConnectionRecord | undefined {
    return this.listConnections().find((c) => c.name === name);
  }

  connectionById(id: string): ConnectionRecord | undefined {
    return this.#connections.get(id);
  }

  requireConnection(id: string): ConnectionRecord {
    return found(this.#connections.get(id), 'The connection does not exist', 'inexistent_connection');
  }

  createConnection(input: Record<string, unknown>): ConnectionRecord {
    const name = input.name;
    const strategy = input.strategy;
    if (typeof name !== 'string' || typeof strategy !== 'string') {
      throw badRequest(
        "Payload validation error: 'Missing required property: name, strategy'.",
        'invalid_body',
      );
    }
    if (this.connectionByName(name))
      throw conflict('A connection with the same name already exists', 'connection_conflict');
    const id = prefixedId('con');
    const connection: ConnectionRecord = {
      id,
      name,
      strategy,
      options: isRecord(input.options) ? input.options : {},
      enabled_clients: Array.isArray(input.enabled_clients) ? input.enabled_clients.map(String) : [],
      is_domain_connection: input.is_domain_connection === true,
      realms: [name],
    };
    if (typeof input.display_name === 'string') connection.display_name = input.display_name;
    this.#connections.set(id, connection);
    this.#emitChange();
    return connection;
  }

  updateConnection(id: string, patch: Record<string, unknown>): ConnectionRecord {
    const connection = this.requireConnection(id);
    if (isRecord(patch.options)) connection.options = patch.options;
    if (Array.isArray(patch.enabled_clients)) connection.enabled_clients = patch.enabled_clients.map(String);
    if (typeof patch.display_name === 'string') connection.display_name = patch.display_name;
    if (typeof patch.is_domain_connection === 'boolean')
      connection.is_domain_connection = patch.is_domain_connection;
    this.#emitChange();
    return connection;
  }

  setConnectionClients(id: string, changes: Array<{ client_id: string; status: boolean }>): void {
    const connection = this.requireConnection(id);
    const enabled = new Set(connection.enabled_clients);
    for (const change of changes) {
      if (change.status) enabled.add(change.client_id);
      else enabled.delete(change.client_id);
    }
    connection.enabled_clients = [...enabled];
    this.#emitChange();
  }

  deleteConnection(id: string): void {
    this.requireConnection(id);
    this.#connections.delete(id);
    this.#emitChange();
  }

  // Tenant settings

  settings(): Record<string, unknown> {
    return this.#settings;
  }

  /**
   * Top-level fields replace; `flags` merge key by key, so a PATCH naming one flag leaves the others as they were.
   * The Management API reference does not say so; Auth0's own CLI relies on it, sending only the flags it changes
   * ("only the selected flags will be changed": auth0/auth0-cli `internal/cli/tenant_settings.go`,
   * https://auth0.github.io/auth0-cli/auth0_tenant-settings_update_set.html).
   */
  updateSettings(patch: Record<string, unknown>): Record<string, unknown> {
    const { flags } = this.#settings;
    const merged =
      isRecord(patch.flags) && isRecord(flags) ? { ...patch, flags: { ...flags, ...patch.flags } } : patch;
    this.#settings = { ...this.#settings, ...merged };
    this.#emitChange();
    return this.#settings;
  }

  // Snapshot

  snapshot(): TenantSnapshot {
    return structuredClone({
      format: 1,
      domain: this.#domain,
      users: this.users.state(),
      actions: this.actions.state(),
      clients: this.listClients(),
      clientGrants: this.listClientGrants(),
      resourceServers: this.listResourceServers(),
      connections: this.listConnections(),
      settings: this.#settings,
    });
  }

  /** Loads a snapshot; when the tenant now runs on another domain, the Management API audience follows it. */
  restore(snapshot: TenantSnapshot): void {
    const copy = structuredClone(snapshot);
    const oldAudience = `https://${copy.domain}/api/v2/`;
    this.users.restore(copy.users);
    this.actions.restore(copy.actions);
    this.#clients = new Map(copy.clients.map((c) => [c.client_id, c]));
    this.#grants = new Map(
      copy.clientGrants.map((g) => [
        g.id,
        g.audience === oldAudience ? { ...g, audience: this.managementAudience } : g,
      ]),
    );
    this.#resourceServers = new Map(
      copy.resourceServers.map((r) => [r.id, r.is_system ? this.#managementApi(r.id) : r]),
    );
    this.#connections = new Map(copy.connections.map((c) => [c.id, c]));
    this.#settings = copy.settings;
    const { client_id, client_secret } = this.bootstrapClient();
    this.#bootstrapCredentials = { client_id, client_secret };
    // A snapshot from an older local tenant lacks the scopes added since: the bootstrap client keeps every scope.
    for (const grant of this.#grants.values()) {
      if (grant.client_id === client_id && grant.audience === this.managementAudience)
        grant.scope = [...MANAGEMENT_SCOPES];
    }
  }

  #managementApi(id: string): ResourceServerRecord {
    return {
      id,
      name: 'Auth0 Management API',
      identifier: this.managementAudience,
      is_system: true,
      scopes: MANAGEMENT_SCOPES.map((value) => ({ value, description: value.replace(':', ' ') })),
      signing_alg: 'RS256',
      token_lifetime: 86400,
      allow_offline_access: false,
    };
  }

  #emitChange(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** Auth0's defaults when a client is created without `grant_types`. */
function defaultGrantTypes(appType: string | undefined): string[] {
  switch (appType) {
    case 'non_interactive':
      return ['client_credentials'];
    case 'spa':
      return ['authorization_code', 'implicit', 'refresh_token'];
    case 'native':
      return ['authorization_code', 'implicit', 'refresh_token'];
    default:
      return ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'];
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
