import { createHmac } from 'node:crypto';
import type { DesiredAction } from './tenant-file.ts';

/** Where the deploy records what it last deployed: a key of the Action M2M client's `client_metadata`. */
export const FINGERPRINT_METADATA_KEY = 'account_linking_deploy';

/**
 * Auth0 never returns Action secret values, so the deploy cannot compare them with the tenant. It records an
 * HMAC of everything it deployed (code, runtime, triggers, secret values), keyed with the Action client's own
 * secret so the stored value cannot be used to confirm a guessed secret, next to the deployed version's id.
 */
export function actionFingerprint(action: DesiredAction, key: string): string {
  const canonical = JSON.stringify({
    name: action.name,
    code: action.code,
    runtime: action.runtime,
    dependencies: action.dependencies,
    supported_triggers: action.supported_triggers,
    secrets: [...action.secrets].sort((a, b) => a.name.localeCompare(b.name)).map((s) => [s.name, s.value]),
  });
  return createHmac('sha256', key).update(canonical).digest('base64url');
}

export function fingerprintRecord(versionId: string, fingerprint: string): string {
  return `${versionId}:${fingerprint}`;
}
