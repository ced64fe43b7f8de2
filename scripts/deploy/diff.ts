import { isDeepStrictEqual } from 'node:util';
import { FINGERPRINT_METADATA_KEY, fingerprintRecord } from './fingerprint.ts';
import type {
  RemoteAction,
  RemoteBinding,
  RemoteClient,
  RemoteConnection,
  RemoteGrant,
} from './management.ts';
import type { DesiredTenant } from './tenant-file.ts';

export interface TenantSnapshot {
  clients: RemoteClient[];
  grants: RemoteGrant[];
  /** The connections tenant.yaml declares, as the tenant has them. */
  connections: RemoteConnection[];
  action: RemoteAction | undefined;
  postLoginBindings: RemoteBinding[];
}

export interface Change {
  readonly action: 'create' | 'update';
  readonly resource: string;
  readonly detail: string;
}

export const ACTION_CLIENT_NAME = 'Account Linking Action';

/**
 * `fingerprint`: the HMAC of the desired Action, compared with the one recorded by the last deploy; absent when
 * the Action client (its key) does not exist yet; `'ignore'` right after an import, before it is recorded.
 */
export interface DiffOptions {
  fingerprint: string | 'ignore' | undefined;
}

/** What an import of `desired` would change on the tenant; empty when they match. */
export function diffTenant(desired: DesiredTenant, snapshot: TenantSnapshot, options: DiffOptions): Change[] {
  const { fingerprint } = options;
  return [
    ...diffClients(desired, snapshot),
    ...diffGrants(desired, snapshot),
    ...diffConnections(desired, snapshot),
    ...diffAction(desired, snapshot, fingerprint),
    ...diffBindings(desired, snapshot),
  ];
}

function diffClients(desired: DesiredTenant, snapshot: TenantSnapshot): Change[] {
  return diffByName(desired.clients, snapshot.clients, 'client', {
    created: () => 'missing',
    difference: (client, remote) => {
      const fields = Object.keys(client).filter(
        (f) => f !== 'name' && !isDeepStrictEqual(client[f], remote[f]),
      );
      return fields.length > 0 ? `${fields.join(', ')} differ` : undefined;
    },
  });
}

function diffGrants(desired: DesiredTenant, snapshot: TenantSnapshot): Change[] {
  const changes: Change[] = [];
  for (const grant of desired.clientGrants) {
    const resource = `client grant of "${grant.client_id}" on ${grant.audience}`;
    const clientId = snapshot.clients.find((c) => c.name === grant.client_id)?.client_id;
    const remote = snapshot.grants.find((g) => g.client_id === clientId && g.audience === grant.audience);
    if (!remote) {
      changes.push({ action: 'create', resource, detail: `scope ${grant.scope.join(' ')}` });
    } else if (!sameSet(remote.scope, grant.scope)) {
      changes.push({
        action: 'update',
        resource,
        detail: `scope is "${remote.scope.join(' ')}", should be "${grant.scope.join(' ')}"`,
      });
    }
  }
  return changes;
}

function diffConnections(desired: DesiredTenant, snapshot: TenantSnapshot): Change[] {
  return diffByName(desired.connections, snapshot.connections, 'connection', {
    created: (connection) => `strategy ${connection.strategy}`,
    difference: (connection, remote) => {
      if (remote.strategy !== connection.strategy) {
        return `strategy is ${remote.strategy}, should be ${connection.strategy}`;
      }
      const names = remote.enabled_clients.map(
        (id) => snapshot.clients.find((c) => c.client_id === id)?.name ?? id,
      );
      const missing = connection.enabled_clients.filter((name) => !names.includes(name));
      return missing.length > 0 ? `not enabled for ${missing.join(', ')}` : undefined;
    },
  });
}

/**
 * Each desired resource matched with the tenant's of the same name: `create` (detail `created`) when the tenant has
 * none, `update` when `difference` names what differs.
 */
function diffByName<D extends { name: string }, R extends { name: string }>(
  desired: readonly D[],
  remote: readonly R[],
  kind: string,
  describe: { created: (want: D) => string; difference: (want: D, have: R) => string | undefined },
): Change[] {
  const changes: Change[] = [];
  for (const want of desired) {
    const resource = `${kind} "${want.name}"`;
    const have = remote.find((r) => r.name === want.name);
    const detail = have === undefined ? describe.created(want) : describe.difference(want, have);
    if (detail !== undefined)
      changes.push({ action: have === undefined ? 'create' : 'update', resource, detail });
  }
  return changes;
}

function diffAction(
  desired: DesiredTenant,
  snapshot: TenantSnapshot,
  fingerprint: DiffOptions['fingerprint'],
): Change[] {
  const want = desired.action;
  const resource = `action "${want.name}"`;
  const remote = snapshot.action;
  if (!remote) return [{ action: 'create', resource, detail: 'missing' }];
  const deployed = remote.deployed_version;
  if (!deployed) return [{ action: 'update', resource, detail: 'no version is deployed' }];
  const problems: string[] = [];
  if (deployed.code !== want.code) problems.push('deployed code differs from the bundle');
  if (deployed.runtime !== want.runtime)
    problems.push(`runtime is ${deployed.runtime}, should be ${want.runtime}`);
  // Compared by id and version: the tenant may describe a trigger with more fields than the file.
  const triggers = (list: Array<{ id: string; version: string }>) => list.map((t) => `${t.id}@${t.version}`);
  if (!isDeepStrictEqual(triggers(remote.supported_triggers), triggers(want.supported_triggers))) {
    problems.push('supported_triggers differ');
  }
  const wantNames = want.secrets.map((s) => s.name);
  if (
    !sameSet(
      (deployed.secrets ?? remote.secrets ?? []).map((s) => s.name),
      wantNames,
    )
  ) {
    problems.push('secret names differ');
  }
  if (remote.all_changes_deployed === false) problems.push('has changes that were never deployed');
  const actionClient = snapshot.clients.find((c) => c.name === ACTION_CLIENT_NAME);
  const stored = actionClient?.client_metadata?.[FINGERPRINT_METADATA_KEY];
  if (
    problems.length === 0 &&
    fingerprint !== 'ignore' &&
    (fingerprint === undefined || stored !== fingerprintRecord(deployed.id, fingerprint))
  ) {
    problems.push('secret values or version differ from the last deploy (secret values are write-only)');
  }
  return problems.length > 0 ? [{ action: 'update', resource, detail: problems.join('; ') }] : [];
}

function diffBindings(desired: DesiredTenant, snapshot: TenantSnapshot): Change[] {
  const want = desired.postLoginBindings.map((b) => b.action_name);
  const have = snapshot.postLoginBindings.map((b) => b.action.name);
  if (isDeepStrictEqual(want, have)) return [];
  const missing = want.filter((name) => !have.includes(name));
  return [
    {
      action: 'update',
      resource: 'post-login bindings',
      detail: missing.length > 0 ? `${missing.join(', ')} not bound` : `order is ${have.join(', ')}`,
    },
  ];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;
}
