import { randomUUID } from 'node:crypto';
import type { TenantContext } from '../context.ts';
import type { ClientRecord } from '../store.ts';
import type { SsoSession } from './sso-sessions.ts';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const LOGOUT_TOKEN_SECONDS = 120;
const DELIVERY_TIMEOUT_MS = 5_000;

/**
 * OpenID Connect Back-Channel Logout 1.0 as Auth0 sends it
 * (https://auth0.com/docs/authenticate/login/logout/back-channel-logout): every application that received tokens
 * in the ended session and registered `oidc_logout.backchannel_logout_urls` gets a signed logout token (`sub`,
 * `sid`, the logout event, never a `nonce`) POSTed as a form. Auth0 sends them in the background; the local tenant
 * waits for them (at most 5 s each, in parallel) so a test sees the outcome right after the logout response.
 * Each delivery is recorded as a `backchannel_logout` event.
 */
export async function sendBackchannelLogout(tenant: TenantContext, session: SsoSession): Promise<void> {
  const deliveries = [...session.clients].flatMap(([clientId, sub]) =>
    backchannelLogoutUrls(tenant.store.getClient(clientId)).map((url) => ({ clientId, sub, url })),
  );
  await Promise.all(
    deliveries.map(async ({ clientId, sub, url }) => {
      const token = await tenant.tokens.sign(
        { sid: session.sid, jti: randomUUID(), events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } },
        { audience: clientId, subject: sub, expiresInSeconds: LOGOUT_TOKEN_SECONDS },
      );
      try {
        const response = await fetch(url, {
          method: 'POST',
          body: new URLSearchParams({ logout_token: token }),
          redirect: 'manual',
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await response.body?.cancel();
        tenant.events.record({
          type: 'backchannel_logout',
          client_id: clientId,
          url,
          status: response.status,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.name : 'Error';
        tenant.events.record({ type: 'backchannel_logout', client_id: clientId, url, error: reason });
      }
    }),
  );
}

function backchannelLogoutUrls(client: ClientRecord | undefined): string[] {
  const settings = client?.oidc_logout as { backchannel_logout_urls?: unknown } | null | undefined;
  const urls = settings?.backchannel_logout_urls;
  return Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string') : [];
}
