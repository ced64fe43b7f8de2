import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../emulator/errors.ts';
import { parseLogQuery, parseSearch, searchLogs } from '../../../emulator/management/log-search.ts';
import { operationName } from '../../../emulator/management/logs.ts';
import { MAX_LOG_EVENTS, TenantLogs } from '../../../emulator/tenant-logs.ts';
import { thrownBy } from '../../support/thrown.ts';

function tenantLogs(start = Date.parse('2026-01-02T03:04:05.678Z')) {
  let clock = start;
  const logs = new TenantLogs(() => clock, 'localhost:8443');
  return { logs, setClock: (at: number) => (clock = at) };
}

function searchQuery(query: Record<string, string>) {
  const parsed = parseLogQuery(query);
  if (parsed.kind !== 'search') throw new Error('expected a search query');
  return parsed;
}

describe('tenant log store', () => {
  it('gives each event a 56-digit log_id that grows with every event, and the tenant hostname', () => {
    const { logs } = tenantLogs();
    const first = logs.record({ type: 'sapi', description: 'Create a user' });
    const second = logs.record({ type: 'fapi', description: 'Create a user' });
    expect(first).toMatchObject({ date: '2026-01-02T03:04:05.678Z', hostname: 'localhost:8443' });
    expect(first.log_id).toMatch(/^90020260102030405678\d{36}$/);
    expect(second.log_id > first.log_id).toBe(true);
    expect(logs.get(second.log_id)).toBe(second);
  });

  it(`keeps the last ${MAX_LOG_EVENTS} events, and still reads after a checkpoint that was dropped`, () => {
    const { logs } = tenantLogs();
    const oldest = logs.record({ type: 's', description: '' });
    for (let i = 0; i < MAX_LOG_EVENTS; i++) logs.record({ type: 's', description: String(i) });
    expect(logs.all()).toHaveLength(MAX_LOG_EVENTS);
    expect(logs.get(oldest.log_id)).toBeUndefined();
    expect(logs.after(oldest.log_id)).toHaveLength(MAX_LOG_EVENTS);
    expect(logs.after('not-a-log-id')).toBeUndefined();
  });

  it("hands a transaction's executions to its log event once", () => {
    const { logs } = tenantLogs();
    const result = { action_name: 'a', error: null, started_at: 'x', ended_at: 'y', logs: '' };
    const before = logs.recordExecution('post-login', 'tx1', [result]);
    const after = logs.recordExecution('post-login', 'tx1', [result]);
    expect(logs.execution(before)).toMatchObject({ id: before, trigger_id: 'post-login', status: 'final' });
    expect(logs.takeExecutions('tx1')).toEqual([before, after]);
    expect(logs.takeExecutions('tx1')).toEqual([]);
  });
});

describe('log search criteria', () => {
  it.each([
    ['type:s', [{ field: 'type', values: ['s'] }]],
    ['user_id:"auth0|abc"', [{ field: 'user_id', values: ['auth0|abc'] }]],
    [
      'user_id:auth0|abc AND type:(fp OR fu)',
      [
        { field: 'user_id', values: ['auth0|abc'] },
        { field: 'type', values: ['fp', 'fu'] },
      ],
    ],
    ['  ', []],
  ])('reads %j', (q, terms) => {
    expect(parseSearch(q)).toEqual(terms);
  });

  it.each([
    'description:password',
    'type:s OR type:f',
    'type:s type:f',
    'user_name:*@example.com',
    'type:[a TO b]',
  ])('refuses %j with 400 invalid_query_string, naming the term', (q) => {
    const error = thrownBy(ApiError, () => parseSearch(q));
    expect(error.toBody()).toMatchObject({ statusCode: 400, errorCode: 'invalid_query_string' });
    expect(error.message).toContain(q.split(' AND ')[0]?.trim());
  });

  it.each([
    [{ per_page: '101' }, "'per_page' must be between 1 and 100"],
    [{ page: '10', per_page: '100' }, 'first 1000 results'],
    [{ sort: 'user_id:1' }, "'date:1' or 'date:-1'"],
    [{ take: '0' }, "'take' must be between 1 and 100"],
  ])('refuses %j', (query, message) => {
    expect(thrownBy(ApiError, () => parseLogQuery(query)).message).toContain(message);
  });

  it('reads by checkpoint whenever from or take is given, ignoring the search criteria', () => {
    expect(parseLogQuery({ from: '900', q: 'bad query', take: '5' })).toEqual({
      kind: 'checkpoint',
      from: '900',
      take: 5,
    });
  });

  it('accepts the criteria as search, the name the auth0 SDK sends since v5', () => {
    expect(searchQuery({ search: 'type:s' }).terms).toEqual([{ field: 'type', values: ['s'] }]);
  });

  it('pages newest first by default, by date even when the clock went back, and counts every match', () => {
    const { logs, setClock } = tenantLogs(2_000);
    const a = logs.record({ type: 's', description: 'a', user_id: 'u1' });
    setClock(1_000);
    const b = logs.record({ type: 's', description: 'b', user_id: 'u1' });
    logs.record({ type: 'f', description: 'c', user_id: 'u1' });
    const query = searchQuery({ q: 'type:s', per_page: '1' });
    expect(searchLogs(logs.all(), query)).toEqual({ logs: [a], total: 2 });
    expect(searchLogs(logs.all(), { ...query, ascending: true })).toEqual({ logs: [b], total: 2 });
  });
});

describe('Management API operation names', () => {
  it.each([
    ['POST', 'users', 'Create a user'],
    ['PATCH', 'users/auth0|1', 'Update a user'],
    ['POST', 'users/auth0|1/identities', 'Link a user account'],
    ['DELETE', 'users/auth0|1/identities/github/2', 'Unlink a user account'],
    ['POST', 'actions/actions/act_1/deploy', 'Deploy an action'],
    ['POST', 'organizations', 'POST /api/v2/organizations'],
  ])('%s %s is "%s"', (method, path, name) => {
    expect(operationName(method, path)).toBe(name);
  });
});
