import type { Context } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import type { ClientRecord } from '../store.ts';
import type { LogType } from '../tenant-logs.ts';

/** Success and failure codes per grant, from https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes. */
const EXCHANGES: Record<string, { success: LogType; failure: LogType; description: string }> = {
  authorization_code: {
    success: 'seacft',
    failure: 'feacft',
    description: 'Authorization Code for Access Token',
  },
  client_credentials: {
    success: 'seccft',
    failure: 'feccft',
    description: 'Client Credentials for Access Token',
  },
  refresh_token: { success: 'sertft', failure: 'fertft', description: 'Refresh Token for Access Token' },
  'http://auth0.com/oauth/grant-type/passwordless/otp': {
    success: 'sepotpft',
    failure: 'fepotpft',
    description: 'Passwordless OTP for Access Token',
  },
};

/** The log event of one `/oauth/token` exchange, written once it succeeded or failed; other grants go unlogged. */
export function logExchange(
  tenant: TenantContext,
  c: Context<TenantEnv>,
  grantType: string,
  client: ClientRecord,
): { succeeded(scope: unknown): void; failed(reason: string): void } {
  const codes = EXCHANGES[grantType];
  const userAgent = c.req.header('user-agent');
  const record = (type: LogType, description: string, extra: object) =>
    tenant.logs.record({
      type,
      description,
      client_id: client.client_id,
      client_name: client.name,
      ip: c.env?.incoming?.socket.remoteAddress ?? '127.0.0.1',
      ...(userAgent === undefined ? {} : { user_agent: userAgent }),
      ...extra,
    });
  return {
    succeeded(scope) {
      if (codes === undefined) return;
      record(codes.success, codes.description, typeof scope === 'string' ? { scope } : {});
    },
    failed(reason) {
      if (codes !== undefined) record(codes.failure, reason, {});
    },
  };
}
