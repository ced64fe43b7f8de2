import type { ClientRecord } from '../store.ts';

/**
 * Whether `origin` is one of the client's Allowed Web Origins (`web_origins`): the origins that may receive a
 * `web_message` response and call the tenant from JavaScript (auth0.com/docs/get-started/applications/application-settings).
 */
export function allowsWebOrigin(client: ClientRecord, origin: string | undefined): boolean {
  if (origin === undefined || origin === 'null') return false;
  return client.web_origins.some((allowed) => originOf(allowed) === origin);
}

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}
