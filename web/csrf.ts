import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../core/constant-time.ts';

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

export function csrfMatches(expected: string, given: unknown): boolean {
  return typeof given === 'string' && constantTimeEqual(expected, given);
}
