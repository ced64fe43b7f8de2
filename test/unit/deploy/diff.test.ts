import { describe, expect, it } from 'vitest';
import { ACTION_CLIENT_NAME, diffTenant, type TenantSnapshot } from '../../../scripts/deploy/diff.ts';
import {
  actionFingerprint,
  FINGERPRINT_METADATA_KEY,
  fingerprintRecord,
} from '../../../scripts/deploy/fingerprint.ts';
import type { DesiredTenant } from '../../../scripts/deploy/tenant-file.ts';

const AUDIENCE = 'https://tenant.eu.auth0.com/api/v2/';
const KEY = 'action-client-secret';

function desiredTenant(): DesiredTenant {
  return {
    clients: [
      { name: ACTION_CLIENT_NAME, app_type: 'non_interactive', grant_types: ['client_credentials'] },
      {
        name: 'Account Linking Web',
        app_type: 'regular_web',
        callbacks: ['https://link.example.com/callback'],
      },
    ],
    clientGrants: [
      { client_id: ACTION_CLIENT_NAME, audience: AUDIENCE, scope: ['read:users', 'update:users'] },
    ],
    connections: [{ name: 'sms', strategy: 'sms', enabled_clients: ['Account Linking Web'] }],
    action: {
      name: 'account-linking',
      code: 'exports.onExecutePostLogin = async () => {};',
      runtime: 'node22',
      dependencies: [],
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      secrets: [
        { name: 'AUTH0_DOMAIN', value: 'tenant.eu.auth0.com' },
        { name: 'DRY_RUN', value: 'false' },
      ],
    },
    postLoginBindings: [
      { action_name: 'other', display_name: 'other' },
      { action_name: 'account-linking', display_name: 'account-linking' },
    ],
  };
}

/** The tenant as the last deploy of `desired` left it. */
function deployedSnapshot(desired: DesiredTenant): TenantSnapshot {
  const fingerprint = fingerprintRecord('ver_1', actionFingerprint(desired.action, KEY));
  return {
    clients: [
      {
        ...desired.clients[0],
        name: ACTION_CLIENT_NAME,
        client_id: 'cid_action',
        client_secret: KEY,
        client_metadata: { [FINGERPRINT_METADATA_KEY]: fingerprint },
      },
      { ...desired.clients[1], name: 'Account Linking Web', client_id: 'cid_web', extra_field: true },
    ],
    grants: [
      { id: 'cgr_1', client_id: 'cid_action', audience: AUDIENCE, scope: ['update:users', 'read:users'] },
    ],
    connections: [{ id: 'con_1', name: 'sms', strategy: 'sms', enabled_clients: ['cid_web', 'cid_other'] }],
    action: {
      id: 'act_1',
      name: 'account-linking',
      code: desired.action.code,
      runtime: 'node22',
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      all_changes_deployed: true,
      deployed_version: {
        id: 'ver_1',
        code: desired.action.code,
        runtime: 'node22',
        secrets: [{ name: 'DRY_RUN' }, { name: 'AUTH0_DOMAIN' }],
      },
    },
    postLoginBindings: [
      { display_name: 'other', action: { id: 'act_0', name: 'other' } },
      { display_name: 'account-linking', action: { id: 'act_1', name: 'account-linking' } },
    ],
  };
}

const fingerprint = actionFingerprint(desiredTenant().action, KEY);

describe('diffTenant', () => {
  it('finds nothing to do when the tenant is as the last deploy left it', () => {
    expect(diffTenant(desiredTenant(), deployedSnapshot(desiredTenant()), { fingerprint })).toEqual([]);
  });

  it('plans every resource on an empty tenant', () => {
    const empty: TenantSnapshot = {
      clients: [],
      grants: [],
      connections: [],
      action: undefined,
      postLoginBindings: [],
    };
    expect(diffTenant(desiredTenant(), empty, { fingerprint: undefined }).map((c) => c.action)).toEqual([
      'create',
      'create',
      'create',
      'create',
      'create',
      'update',
    ]);
  });

  it('reports a grant that gained a scope, with both scope lists', () => {
    const snapshot = deployedSnapshot(desiredTenant());
    snapshot.grants[0]!.scope.push('delete:users');
    expect(diffTenant(desiredTenant(), snapshot, { fingerprint })).toEqual([
      {
        action: 'update',
        resource: `client grant of "${ACTION_CLIENT_NAME}" on ${AUDIENCE}`,
        detail: 'scope is "update:users read:users delete:users", should be "read:users update:users"',
      },
    ]);
  });

  it('reports a connection not enabled for a client tenant.yaml names', () => {
    const snapshot = deployedSnapshot(desiredTenant());
    snapshot.connections[0]!.enabled_clients = ['cid_other'];
    expect(diffTenant(desiredTenant(), snapshot, { fingerprint })).toEqual([
      { action: 'update', resource: 'connection "sms"', detail: 'not enabled for Account Linking Web' },
    ]);
  });

  it('reports changed client fields by name', () => {
    const snapshot = deployedSnapshot(desiredTenant());
    snapshot.clients[1]!.callbacks = ['https://evil.example/callback'];
    expect(diffTenant(desiredTenant(), snapshot, { fingerprint })).toEqual([
      { action: 'update', resource: 'client "Account Linking Web"', detail: 'callbacks differ' },
    ]);
  });

  it('reports deployed code that is not the bundle', () => {
    const snapshot = deployedSnapshot(desiredTenant());
    snapshot.action!.deployed_version!.code = 'exports.old = 1;';
    expect(diffTenant(desiredTenant(), snapshot, { fingerprint })[0]?.detail).toContain(
      'deployed code differs from the bundle',
    );
  });

  it('reports a changed secret value through the recorded fingerprint', () => {
    const desired = desiredTenant();
    desired.action.secrets[1]!.value = 'true';
    const changes = diffTenant(desired, deployedSnapshot(desiredTenant()), {
      fingerprint: actionFingerprint(desired.action, KEY),
    });
    expect(changes).toHaveLength(1);
    expect(changes[0]?.detail).toContain('secret values');
  });

  it('reports a version deployed outside npm run deploy', () => {
    const snapshot = deployedSnapshot(desiredTenant());
    snapshot.action!.deployed_version!.id = 'ver_2';
    expect(diffTenant(desiredTenant(), snapshot, { fingerprint })).toHaveLength(1);
  });

  it('reports undeployed changes and missing secret names', () => {
    const snapshot = deployedSnapshot(desiredTenant());
    snapshot.action!.all_changes_deployed = false;
    snapshot.action!.deployed_version!.secrets = [{ name: 'AUTH0_DOMAIN' }];
    expect(diffTenant(desiredTenant(), snapshot, { fingerprint })[0]?.detail).toBe(
      'secret names differ; has changes that were never deployed',
    );
  });

  it('reports the Action missing from the post-login bindings', () => {
    const snapshot = deployedSnapshot(desiredTenant());
    snapshot.postLoginBindings.pop();
    expect(diffTenant(desiredTenant(), snapshot, { fingerprint })).toEqual([
      { action: 'update', resource: 'post-login bindings', detail: 'account-linking not bound' },
    ]);
  });
});
