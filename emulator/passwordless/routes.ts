import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { clientIp } from '../login/event.ts';
import { corsPreflight } from '../oauth/cors.ts';
import { requireSecretOfConfidentialClient } from '../oauth/grants.ts';
import { authenticateClient, oauthEndpoint } from '../oauth/token.ts';
import { passwordlessConnection, recipientOf, sendCode } from './start.ts';

/**
 * `POST /passwordless/start` (https://auth0.com/docs/api/authentication/passwordless/get-code-or-link): `client_id`,
 * `client_secret` (confidential clients), `connection` (`email` or `sms`), `email` or `phone_number`, `send`.
 * Answers 200 `{}` once the code is in the outbox; the code is then redeemed with the OTP grant at `/oauth/token`.
 */
export function passwordlessRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  app.options('/start', corsPreflight(tenant, 'POST'));
  app.post(
    '/start',
    oauthEndpoint(tenant, async (c, params) => {
      const { client, authenticated } = authenticateClient(tenant, params, c.req.header('authorization'));
      requireSecretOfConfidentialClient(client, authenticated);
      const connection = passwordlessConnection(tenant, params.connection, client.client_id);
      // Auth0 emails a magic link when `send` is absent; the local tenant has no link flow, and says so.
      const send = params.send ?? (connection.strategy === 'email' ? 'link' : 'code');
      if (send !== 'code') {
        throw new OAuthError(
          400,
          'bad.send',
          'The local tenant sends one-time codes only: use send: "code" (magic links are not implemented).',
        );
      }
      const field = connection.strategy === 'email' ? 'email' : 'phone_number';
      sendCode(tenant, connection, recipientOf(connection, params[field]), client.client_id, {
        ip: clientIp(c),
        userAgent: c.req.header('user-agent'),
      });
      return c.json({});
    }),
  );

  return app;
}
