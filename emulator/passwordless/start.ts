import { codeRules } from '../../core/passwordless-codes.ts';
import { type ConnectionRecord, isPasswordless } from '../connections.ts';
import type { TenantContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { magicLinkUrl } from './magic-link.ts';
import type { OutboxMessage } from './outbox.ts';

/** A passwordless connection enabled for the client, or Auth0's `bad.connection` (400). */
export function passwordlessConnection(
  tenant: TenantContext,
  name: string | undefined,
  clientId: string,
): ConnectionRecord {
  const connection = name === undefined ? undefined : tenant.store.connectionByName(name);
  if (connection === undefined || !isPasswordless(connection))
    throw new OAuthError(400, 'bad.connection', 'Connection does not exist');
  if (!connection.enabled_clients.includes(clientId))
    throw new OAuthError(400, 'bad.connection', 'Connection is disabled');
  return connection;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** E.164: `+`, a country code, at most 15 digits. */
const PHONE = /^\+[1-9]\d{6,14}$/;

/**
 * The address the code goes to, as the connection stores it: an email lower-cased, a phone number in E.164
 * (`bad.email` / `bad.phone_number` otherwise, 400).
 */
export function recipientOf(connection: ConnectionRecord, value: string | undefined): string {
  const given = (value ?? '').trim();
  if (connection.strategy === 'email') {
    if (!EMAIL.test(given)) throw new OAuthError(400, 'bad.email', 'email is invalid');
    return given.toLowerCase();
  }
  const phone = given.replace(/[\s().-]/g, '');
  if (!PHONE.test(phone))
    throw new OAuthError(400, 'bad.phone_number', 'phone_number must be in E.164 format, e.g. +14155550123');
  return phone;
}

/**
 * Issues a code for `recipient`, puts the message carrying it in the outbox, and writes the tenant log event Auth0
 * writes for it (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes): `cls` "Code/Link Sent" for an
 * email, `cs` "Code Sent" for a text message (which code each channel gets is inferred: SMS only ever sends a code).
 * With `authParams` the message is a magic link carrying the code (same lifetime, spent at its first use).
 */
export function sendCode(
  tenant: TenantContext,
  connection: ConnectionRecord,
  recipient: string,
  clientId: string,
  sender: { ip: string; userAgent: string | undefined },
  authParams?: Record<string, string>,
): OutboxMessage {
  const rules = codeRules(connection);
  const code = tenant.passwordless.codes.issue(connection.name, recipient, clientId, rules);
  const minutes = Math.round(rules.lifetimeSeconds / 60);
  const clientName = tenant.store.getClient(clientId)?.name;
  const email = connection.strategy === 'email';
  tenant.logs.record({
    type: email ? 'cls' : 'cs',
    description: email ? 'Code/Link Sent' : 'Code Sent',
    client_id: clientId,
    client_name: clientName ?? '',
    connection: connection.name,
    connection_id: connection.id,
    strategy: connection.strategy,
    strategy_type: 'passwordless',
    user_name: recipient,
    ip: sender.ip,
    ...(sender.userAgent === undefined ? {} : { user_agent: sender.userAgent }),
  });
  const client = clientName ?? 'the application';
  const link =
    authParams === undefined
      ? undefined
      : magicLinkUrl(tenant.issuer, {
          connection: connection.name,
          clientId,
          email: recipient,
          code,
          authParams,
        });
  const text =
    link === undefined
      ? `Your verification code for ${client} is ${code}. It expires in ${minutes} minutes.`
      : `Follow this link to log in to ${client}: ${link} It expires in ${minutes} minutes.`;
  const subject = link === undefined ? `Your verification code: ${code}` : `Log in to ${client}`;
  return tenant.passwordless.outbox.send({
    channel: connection.strategy === 'email' ? 'email' : 'sms',
    connection: connection.name,
    client_id: clientId,
    to: recipient,
    ...(connection.strategy === 'email' ? { subject } : {}),
    text,
    code,
    ...(link === undefined ? {} : { link }),
  });
}
