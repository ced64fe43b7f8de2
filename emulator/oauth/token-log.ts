import type { Context } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import type { ClientRecord } from '../store.ts';
import type { LogType } from '../tenant-logs.ts';
import type { ExchangeLogFacts } from './grants.ts';

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

/**
 * The log event of one `/oauth/token` exchange, written once it succeeded or failed; other grants go unlogged. The
 * user, connection and post-login Action executions are the handler's `facts` (a login's event names its executions
 * the same way, `details.actions.executions`).
 */
export function logExchange(
  tenant: TenantContext,
  c: Context<TenantEnv>,
  grantType: string,
  client: ClientRecord,
): {
  succeeded(scope: unknown, facts: ExchangeLogFacts): void;
  failed(reason: string, facts: ExchangeLogFacts): void;
} {
  const codes = EXCHANGES[grantType];
  const userAgent = c.req.header('user-agent');
  const record = (type: LogType, description: string, facts: ExchangeLogFacts, extra: object) => {
    const executions =
      facts.transactionId === undefined ? [] : tenant.logs.takeExecutions(facts.transactionId);
    const user = facts.userId === undefined ? undefined : tenant.store.users.get(facts.userId);
    const userName = user?.email ?? user?.phone_number;
    const connection =
      facts.connection === undefined ? undefined : tenant.store.connectionByName(facts.connection);
    tenant.logs.record({
      type,
      description,
      client_id: client.client_id,
      client_name: client.name,
      ...(facts.connection === undefined ? {} : { connection: facts.connection }),
      ...(connection === undefined ? {} : { connection_id: connection.id }),
      ...(facts.userId === undefined ? {} : { user_id: facts.userId }),
      ...(userName === undefined ? {} : { user_name: userName }),
      ip: c.env?.incoming?.socket.remoteAddress ?? '127.0.0.1',
      ...(userAgent === undefined ? {} : { user_agent: userAgent }),
      ...extra,
      ...(executions.length > 0 ? { details: { actions: { executions } } } : {}),
    });
  };
  return {
    succeeded(scope, facts) {
      if (codes === undefined) return;
      record(codes.success, codes.description, facts, typeof scope === 'string' ? { scope } : {});
    },
    failed(reason, facts) {
      if (codes !== undefined) record(codes.failure, reason, facts, {});
    },
  };
}
