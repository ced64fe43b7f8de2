import { type ConnectionRecord, isPasswordless } from '../connections.ts';
import type { TenantContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { codeRules } from './codes.ts';
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

/** Issues a code for `recipient` and puts the message carrying it in the outbox. */
export function sendCode(
  tenant: TenantContext,
  connection: ConnectionRecord,
  recipient: string,
  clientId: string,
): OutboxMessage {
  const rules = codeRules(connection);
  const code = tenant.passwordless.codes.issue(connection.name, recipient, clientId, rules);
  const minutes = Math.round(rules.lifetimeSeconds / 60);
  const client = tenant.store.getClient(clientId)?.name ?? 'the application';
  const text = `Your verification code for ${client} is ${code}. It expires in ${minutes} minutes.`;
  return tenant.passwordless.outbox.send({
    channel: connection.strategy === 'email' ? 'email' : 'sms',
    connection: connection.name,
    client_id: clientId,
    to: recipient,
    ...(connection.strategy === 'email' ? { subject: `Your verification code: ${code}` } : {}),
    text,
    code,
  });
}
