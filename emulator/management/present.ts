import type {
  ActionRecord,
  ActionsRegistry,
  ActionVersionRecord,
  BindingRecord,
} from '../actions-registry.ts';
import type { UserRecord } from '../user-directory.ts';

/** A user as the Management API returns it: empty metadata objects are left out, as Auth0 leaves them out. */
export function presentUser(user: UserRecord): Record<string, unknown> {
  const { app_metadata, user_metadata, ...rest } = user;
  const out: Record<string, unknown> = { ...structuredClone(rest) };
  if (Object.keys(app_metadata).length > 0) out.app_metadata = structuredClone(app_metadata);
  if (Object.keys(user_metadata).length > 0) out.user_metadata = structuredClone(user_metadata);
  return out;
}

/** Secret values never leave the tenant, only names and dates (a0deploy's export relies on this). */
function presentSecrets(secrets: ActionRecord['secrets']): Array<{ name: string; updated_at: string }> {
  return secrets.map(({ name, updated_at }) => ({ name, updated_at }));
}

export function presentVersion(version: ActionVersionRecord, action?: ActionRecord): Record<string, unknown> {
  const { secrets, ...rest } = version;
  const out: Record<string, unknown> = { ...rest, secrets: presentSecrets(secrets) };
  if (action)
    out.action = { id: action.id, name: action.name, supported_triggers: action.supported_triggers };
  return out;
}

export function presentAction(registry: ActionsRegistry, action: ActionRecord): Record<string, unknown> {
  const { built_at: _builtAt, deployed_version_id: _deployed, secrets, ...rest } = action;
  const out: Record<string, unknown> = {
    ...rest,
    secrets: presentSecrets(secrets),
    status: registry.status(action),
  };
  const deployed = registry.deployedVersion(action);
  if (deployed) out.deployed_version = presentVersion(deployed);
  return out;
}

export function presentBinding(registry: ActionsRegistry, binding: BindingRecord): Record<string, unknown> {
  const { action_id, ...rest } = binding;
  const action = registry.list().find((a) => a.id === action_id);
  return { ...rest, action: action ? presentAction(registry, action) : { id: action_id } };
}
