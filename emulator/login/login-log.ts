import type { TenantContext } from '../context.ts';
import type { LogType } from '../tenant-logs.ts';

export interface LoginLogFacts {
  clientId: string;
  connection: string;
  userId?: string | undefined;
  /** The email or username typed, when the login failed before a user was known. */
  userName?: string | undefined;
  ip: string;
  userAgent: string | undefined;
  /** Whose Action executions (before and after a redirect) the event points to. */
  transactionId?: string | undefined;
  sessionId?: string | undefined;
}

const DESCRIPTIONS: Partial<Record<LogType, string>> = {
  s: 'Successful login',
  fp: 'Wrong email or password.',
  fu: 'Wrong email or password.',
};

/**
 * Writes a login's log event: `s`, `f` (an Action denied or failed, a blocked user, a wrong passwordless code), `fp` (wrong password for a
 * known user), `fu` (no such user), as https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes names them.
 * A login that ran Actions carries `details.actions.executions`, the ids `GET /api/v2/actions/executions/{id}` reads.
 */
export function logLogin(
  tenant: TenantContext,
  type: Extract<LogType, 's' | 'f' | 'fp' | 'fu'>,
  facts: LoginLogFacts,
  description = DESCRIPTIONS[type] ?? '',
): void {
  const connection = tenant.store.connectionByName(facts.connection);
  const user = facts.userId === undefined ? undefined : tenant.store.users.get(facts.userId);
  const executions = facts.transactionId === undefined ? [] : tenant.logs.takeExecutions(facts.transactionId);
  const details = {
    ...(facts.sessionId === undefined ? {} : { session_id: facts.sessionId }),
    ...(type === 's' && user !== undefined ? { stats: { loginsCount: user.logins_count } } : {}),
    ...(executions.length > 0 ? { actions: { executions } } : {}),
  };
  const userName = user?.email ?? facts.userName;
  tenant.logs.record({
    type,
    description,
    client_id: facts.clientId,
    client_name: tenant.store.getClient(facts.clientId)?.name ?? '',
    connection: facts.connection,
    ...(connection === undefined
      ? {}
      : {
          connection_id: connection.id,
          strategy: connection.strategy,
          strategy_type: strategyType(connection.strategy),
        }),
    ...(facts.userId === undefined ? {} : { user_id: facts.userId }),
    ...(userName === undefined ? {} : { user_name: userName }),
    ip: facts.ip,
    ...(facts.userAgent === undefined ? {} : { user_agent: facts.userAgent }),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  });
}

function strategyType(strategy: string): string {
  if (strategy === 'auth0') return 'database';
  if (strategy === 'email' || strategy === 'sms') return 'passwordless';
  return 'social';
}
