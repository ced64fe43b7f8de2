import { randomBytes, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

export function randomSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** 24 hex characters, the shape of `auth0|…` database user ids. */
export function databaseUserId(): string {
  return randomBytes(12).toString('hex');
}

/** Digits, the shape of `google-oauth2|…` and `github|…` ids. */
export function numericUserId(length = 21): string {
  const bytes = randomBytes(length);
  let out = String(1 + ((bytes[0] ?? 0) % 9));
  for (let i = 1; i < length; i++) out += String((bytes[i] ?? 0) % 10);
  return out;
}

export function prefixedId(prefix: string): string {
  return `${prefix}_${randomAlphanumeric(16)}`;
}

export function uuid(): string {
  return randomUUID();
}
