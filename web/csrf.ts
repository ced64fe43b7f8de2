import { randomBytes, timingSafeEqual } from 'node:crypto';

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
