import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { clientIp } from '../login/event.ts';
import { corsPreflight } from '../oauth/cors.ts';
import { authenticateCaller, oauthEndpoint } from '../oauth/token.ts';
import { readAuthParams } from './magic-link.ts';
import { passwordlessConnection, recipientOf, sendCode } from './start.ts';

/**
 * `POST /passwordless/start` (https://auth0.com/docs/api/authentication/passwordless/get-code-or-link): `client_id`,
 * `client_secret` (confidential clients), `connection` (`email` or `sms`), `email` or `phone_number`, `send`,
 * `authParams`. Answers 200 `{}` once the message is in the outbox; a code is then redeemed with the OTP grant at
 * `/oauth/token`, a magic link by following it (`GET /passwordless/verify_redirect`, in the login routes).
 */
export function passwordlessRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  app.options('/start', corsPreflight(tenant, 'POST'));
  app.post(
    '/start',
    oauthEndpoint(tenant, async (c, params) => {
      const client = authenticateCaller(tenant, params, c.req.header('authorization'));
      const connection = passwordlessConnection(tenant, params.connection, client.client_id);
      // Auth0 emails a magic link when `send` is absent.
      const send = params.send ?? (connection.strategy === 'email' ? 'link' : 'code');
      if (send !== 'code' && send !== 'link')
        throw new OAuthError(400, 'bad.send', 'send must be "code" or "link"');
      if (send === 'link' && connection.strategy !== 'email') {
        throw new OAuthError(
          400,
          'bad.send',
          'The local tenant sends magic links by email only: use send: "code" for sms.',
        );
      }
      const field = connection.strategy === 'email' ? 'email' : 'phone_number';
      const recipient = recipientOf(connection, params[field]);
      const authParams = send === 'link' ? readAuthParams(params.authParams) : undefined;
      const sender = { ip: clientIp(c), userAgent: c.req.header('user-agent') };
      sendCode(tenant, connection, recipient, client.client_id, sender, authParams);
      return c.json({});
    }),
  );

  return app;
}
