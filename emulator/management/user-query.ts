import { badRequest } from '../errors.ts';
import type { UserRecord } from '../user-directory.ts';

export interface QueryTerm {
  field: string;
  value: string;
}

const TERM = /^([A-Za-z_][\w.]*):(?:"((?:[^"\\]|\\.)*)"|(\S+))$/;

/**
 * The cheap part of Auth0's user search (`q`, Lucene syntax): `field:value` or `field:"value"` terms joined by
 * spaces or `AND`. Anything richer is refused with 400 rather than answered wrongly.
 */
export function parseUserQuery(q: string | undefined): QueryTerm[] {
  if (!q || q.trim() === '') return [];
  const tokens = q.match(/[\w.]+:"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const terms: QueryTerm[] = [];
  for (const token of tokens) {
    if (token === 'AND') continue;
    const match = TERM.exec(token);
    if (!match?.[1])
      throw badRequest(`Query validation error: unsupported search query '${q}'.`, 'invalid_query');
    terms.push({ field: match[1], value: match[2] ?? match[3] ?? '' });
  }
  return terms;
}

export function matchesQuery(user: UserRecord, terms: QueryTerm[]): boolean {
  return terms.every((term) =>
    valuesOf(user, term.field).some((v) => v === term.value || (term.value === '*' && v !== '')),
  );
}

function valuesOf(user: UserRecord, field: string): string[] {
  if (field.startsWith('identities.')) {
    const key = field.slice('identities.'.length) as keyof UserRecord['identities'][number];
    return user.identities.map((i) => String(i[key] ?? ''));
  }
  let value: unknown = user;
  for (const part of field.split('.')) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value === undefined || value === null ? [] : [String(value)];
}
