import { badRequest } from '../errors.ts';
import type { LogEvent } from '../tenant-logs.ts';
import { integer } from './http.ts';

/**
 * `GET /api/v2/logs`' two ways of reading (https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api):
 * by checkpoint (`from`/`take`: every other parameter ignored, oldest first) or by search criteria (`q`, `page`,
 * `per_page`, `sort`, `include_totals`; at most 100 a page and the first 1,000 results).
 */
export type LogQuery =
  | { kind: 'checkpoint'; from: string | undefined; take: number }
  | {
      kind: 'search';
      terms: SearchTerm[];
      page: number;
      perPage: number;
      includeTotals: boolean;
      ascending: boolean;
    };

/** `field:value`, or `field:(a OR b)`: an event matches when its field equals one of `values`. */
export interface SearchTerm {
  field: SearchField;
  values: string[];
}

const SEARCH_FIELDS = [
  'type',
  'user_id',
  'user_name',
  'client_id',
  'client_name',
  'connection',
  'ip',
] as const;
type SearchField = (typeof SEARCH_FIELDS)[number];

const MAX_PER_PAGE = 100;
const MAX_SEARCH_RESULTS = 1000;
const DEFAULT_PER_PAGE = 50;

export function parseLogQuery(query: Record<string, string | undefined>): LogQuery {
  if (query.from !== undefined || query.take !== undefined) {
    return {
      kind: 'checkpoint',
      from: query.from === '' ? undefined : query.from,
      take: count(query.take, 'take'),
    };
  }
  const page = integer(query.page, 0, 'page');
  const perPage = count(query.per_page, 'per_page');
  if ((page + 1) * perPage > MAX_SEARCH_RESULTS) {
    throw badRequest(
      `Query validation error: only the first ${MAX_SEARCH_RESULTS} results can be paged through; narrow 'q' or read by checkpoint ('from'/'take').`,
      'invalid_query_string',
    );
  }
  // The SDK (auth0 v5 and later) sends the search criteria as `search`; Auth0's reference names it `q`.
  const q = query.q ?? query.search ?? '';
  return {
    kind: 'search',
    terms: parseSearch(q),
    page,
    perPage,
    includeTotals: query.include_totals === 'true',
    ascending: parseSort(query.sort),
  };
}

/**
 * The supported slice of Auth0's Lucene syntax (https://auth0.com/docs/deploy-monitor/logs/log-search-query-syntax):
 * exact `field:value` terms (quoted or not, or `field:(a OR b)`) joined by `AND`. Anything else is refused rather than
 * half-understood.
 */
export function parseSearch(q: string): SearchTerm[] {
  const trimmed = q.trim();
  if (trimmed === '') return [];
  return trimmed.split(/\s+AND\s+/).map(parseTerm);
}

const TERM = /^([a-z_]+):(?:"([^"*?]*)"|\(([^()]*)\)|([^\s"()*?]+))$/;
const VALUE = /^(?:"([^"*?]*)"|([^\s"()*?]+))$/;

function parseTerm(text: string): SearchTerm {
  const match = TERM.exec(text.trim());
  const field = SEARCH_FIELDS.find((name) => name === match?.[1]);
  if (match === null || field === undefined) throw unsupportedTerm(text);
  const [, , quoted, group, bare] = match;
  if (group === undefined) return { field, values: [quoted ?? bare ?? ''] };
  const values = group
    .trim()
    .split(/\s+OR\s+/)
    .map((value) => {
      const one = VALUE.exec(value.trim());
      if (one === null) throw unsupportedTerm(text);
      return one[1] ?? one[2] ?? '';
    });
  return { field, values };
}

function unsupportedTerm(text: string) {
  return badRequest(
    `Query validation error: the local tenant supports 'q' terms field:value, field:"value" or field:(a OR b), joined by AND, on ${SEARCH_FIELDS.join(', ')}; got '${text.trim()}'.`,
    'invalid_query_string',
  );
}

function parseSort(sort: string | undefined): boolean {
  if (sort === undefined || sort === '' || sort === 'date:-1') return false;
  if (sort === 'date:1') return true;
  throw badRequest(
    `Query validation error: the local tenant sorts logs by 'date:1' or 'date:-1' only; got '${sort}'.`,
    'invalid_query_string',
  );
}

/** The page of `events` (kept oldest first) a search asks for, and how many matched in all. */
export function searchLogs(
  events: readonly LogEvent[],
  query: Extract<LogQuery, { kind: 'search' }>,
): { logs: LogEvent[]; total: number } {
  const matching = events.filter((event) =>
    query.terms.every((term) => term.values.includes(String(event[term.field] ?? ''))),
  );
  // Kept in log_id order; a tenant clock that moved back (tests pin it) still sorts by date, ties by log_id.
  const byDate = [...matching].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const ordered = query.ascending ? byDate : byDate.reverse();
  const start = query.page * query.perPage;
  return { logs: ordered.slice(start, start + query.perPage), total: matching.length };
}

function count(value: string | undefined, name: string): number {
  const n = integer(value, DEFAULT_PER_PAGE, name);
  if (n < 1 || n > MAX_PER_PAGE)
    throw badRequest(
      `Query validation error: '${name}' must be between 1 and ${MAX_PER_PAGE}.`,
      'invalid_query_string',
    );
  return n;
}
