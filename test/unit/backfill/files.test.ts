import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../../core/config.ts';
import { readPlan } from '../../../scripts/backfill/commands.ts';
import { parseBackfillEnv } from '../../../scripts/backfill/config.ts';
import { BackfillConfigError, FileLineError } from '../../../scripts/backfill/errors.ts';
import { JournalWriter, readJournal } from '../../../scripts/backfill/journal.ts';
import { writePlan } from '../../../scripts/backfill/plan.ts';
import { checkPlan, planGroupLine, planHeader, readGroups } from '../../../scripts/backfill/plan-file.ts';
import { DuplicatePlanner } from '../../../scripts/backfill/planner.ts';
import { thrownBy } from '../../support/thrown.ts';
import { makeUser } from '../../support/users.ts';

const TENANT = 'tenant.eu.auth0.com';
const OLDEST = CONFIG_DEFAULTS.primaryPolicy;
const policy = { autoLinkConnections: ['google-oauth2'], mergeAppMetadataKeys: [], primaryPolicy: OLDEST };
const header = JSON.stringify(planHeader(TENANT, policy, 'export', new Date('2026-01-01T00:00:00Z')));
const group1 = planGroupLine(1, {
  primary: 'auth0|a',
  secondaries: ['google-oauth2|b', 'samlp|acme|jdoe'],
  reason: 'silent_link',
  skipped: [],
}).trim();
const group2 = planGroupLine(2, {
  primary: 'auth0|c',
  secondaries: [],
  reason: 'email_not_verified',
  skipped: [{ user_id: 'github|d', reason: 'email_not_verified' }],
}).trim();
const planText = [header, group1, group2, ''].join('\n');

const scratch = mkdtempSync(path.join(tmpdir(), 'plan-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `text` written to `name` in a scratch directory: its path. */
function fileOf(text: string, name = 'plan.jsonl'): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

const parsePlan = (text: string, tenant: string) => checkPlan(fileOf(text), tenant);
const PLAN = path.join(scratch, 'plan.jsonl');

describe('parsePlan', () => {
  it('reads the header, counts the groups and reads them again one by one', () => {
    const plan = parsePlan(planText, TENANT);
    expect(plan).toMatchObject({ header: { tenant: TENANT, source: 'export' }, groups: 2, secondaries: 2 });
    const groups = [...readGroups(plan)];
    expect(groups.map((group) => [group.group, group.primary])).toEqual([
      [1, 'auth0|a'],
      [2, 'auth0|c'],
    ]);
    expect(groups[0]?.secondaries[1]).toBe('samlp|acme|jdoe');
  });

  it('refuses a plan made for another tenant, naming line 1', () => {
    const error = thrownBy(FileLineError, () => parsePlan(planText, 'other.auth0.com'));
    expect(error).toMatchObject({ code: 'plan_tenant_mismatch', line: 1 });
    expect(error.message).toBe(
      `${PLAN} line 1: the plan was made for ${TENANT}, not for AUTH0_DOMAIN other.auth0.com`,
    );
  });

  it.each([
    ['a line that is not JSON', [header, group1, '{"type":"group",'], 3, 'not valid JSON'],
    ['a missing header', [group1], 1, 'expected the header line ("type":"header")'],
    [
      'an unknown version',
      [header.replace('"version":1', '"version":9'), group1],
      1,
      'unsupported plan version 9',
    ],
    [
      'a bad user id',
      [header, group1.replace('"auth0|a"', '"nobar"')],
      2,
      '"primary" must be a user id (provider|id)',
    ],
    ['groups out of order', [header, group2], 2, 'expected group 1'],
    [
      'an account in two groups',
      [header, group1, group2.replace('"auth0|c"', '"google-oauth2|b"')],
      3,
      'account google-oauth2|b appears in two groups',
    ],
    [
      'an unknown skip reason',
      [header, group1, group2.replace('"reason":"email_not_verified"}', '"reason":"whim"}')],
      3,
      '"skipped" must list {user_id, reason} with a known reason',
    ],
    ['an empty file', [], 1, 'the plan is empty (expected a header line)'],
  ])('refuses %s, naming the line', (_, lines, line, reason) => {
    const error = thrownBy(FileLineError, () => parsePlan(lines.join('\n'), TENANT));
    expect(error).toMatchObject({ code: 'invalid_plan', line });
    expect(error.message).toBe(`${PLAN} line ${line}: ${reason}`);
  });
  it('names the earliest line where an account comes again, among 20,000 groups (ids spilled to files)', () => {
    const groups = Array.from({ length: 20_000 }, (_, i) =>
      planGroupLine(i + 1, {
        primary: `auth0|p${i}`,
        secondaries: [i === 12_400 ? 'google-oauth2|s7' : i === 11_500 ? 'auth0|p9' : `google-oauth2|s${i}`],
        reason: 'silent_link',
        skipped: [],
      }),
    );
    const error = thrownBy(FileLineError, () => parsePlan(`${header}\n${groups.join('')}`, TENANT));
    expect(error.message).toBe(`${PLAN} line 11502: account auth0|p9 appears in two groups`);
  });
});

describe('readPlan', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a plan made with other AUTO_LINK_CONNECTIONS', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'plan-'));
    const file = path.join(dir, 'plan.jsonl');
    writeFileSync(file, planText);
    const config = {
      ...policy,
      domain: TENANT,
      clientId: 'id',
      clientSecret: 's',
      autoLinkConnections: '*' as const,
      primaryPolicy: OLDEST,
    };
    expect(thrownBy(FileLineError, () => readPlan(file, config))).toMatchObject({
      code: 'invalid_plan',
      line: 1,
    });
    expect(readPlan(file, { ...config, autoLinkConnections: ['google-oauth2'] }).groups).toBe(2);
  });

  it('accepts the same AUTO_LINK_CONNECTIONS and MERGE_APP_METADATA_KEYS in another order', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'plan-'));
    const file = path.join(dir, 'plan.jsonl');
    const made = {
      autoLinkConnections: ['google-oauth2', 'github'],
      mergeAppMetadataKeys: ['plan', 'tier'],
      primaryPolicy: OLDEST,
    };
    writeFileSync(
      file,
      [JSON.stringify(planHeader(TENANT, made, 'export', new Date())), group1, ''].join('\n'),
    );
    const config = {
      domain: TENANT,
      clientId: 'id',
      clientSecret: 's',
      autoLinkConnections: ['github', 'google-oauth2'],
      mergeAppMetadataKeys: ['tier', 'plan'],
      primaryPolicy: OLDEST,
    };
    expect(readPlan(file, config).groups).toBe(1);
    expect(
      thrownBy(FileLineError, () => readPlan(file, { ...config, primaryPolicy: { kind: 'database-first' } })),
    ).toMatchObject({
      code: 'invalid_plan',
      line: 1,
      message: expect.stringContaining('PRIMARY_POLICY=oldest'),
    });
    expect(
      thrownBy(FileLineError, () =>
        readPlan(file, { ...config, mergeAppMetadataKeys: ['tier', 'plan', 'roles'] }),
      ),
    ).toMatchObject({ code: 'invalid_plan', line: 1 });
  });
});

describe('writePlan', () => {
  it('leaves no staging file behind when the plan cannot be written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plan-'));
    try {
      // The output path is a directory: the rename onto it fails after the staging file was written.
      const out = path.join(dir, 'plan.jsonl');
      mkdirSync(out);
      const planner = new DuplicatePlanner();
      planner.add(makeUser('auth0|a', { created_at: '2020-01-01T00:00:00.000Z' }));
      planner.add(makeUser('google-oauth2|b'));
      await expect(writePlan(planner, JSON.parse(header), out)).rejects.toThrow();
      expect(readdirSync(dir)).toEqual(['plan.jsonl']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('journal', () => {
  // Its own file: the journal is checked against the plan's groups read again from it.
  const plan = checkPlan(fileOf(planText, 'journalled-plan.jsonl'), TENANT);
  const journalHeader = JSON.stringify({
    type: 'journal',
    version: 1,
    plan_sha256: plan.sha256,
    tenant: TENANT,
    started_at: '2026-01-01T00:00:00.000Z',
  });
  const step = (secondary: string, kind: string, group = 1, primary = 'auth0|a') =>
    JSON.stringify({ type: 'step', group, primary, secondary, step: kind, at: '2026-01-01T00:00:01.000Z' });

  it('says where each secondary stands', () => {
    const text = [
      journalHeader,
      step('google-oauth2|b', 'merged'),
      step('google-oauth2|b', 'linked'),
      step('samlp|acme|jdoe', 'merged'),
      '',
    ].join('\n');
    expect(readJournal(fileOf(text, 'j'), plan)).toEqual(
      new Map([
        ['google-oauth2|b', 'linked'],
        ['samlp|acme|jdoe', 'merged'],
      ]),
    );
  });

  it('ignores a last line the kill cut short', () => {
    const text = `${[journalHeader, step('google-oauth2|b', 'merged')].join('\n')}\n{"type":"st`;
    expect(readJournal(fileOf(text, 'j'), plan).get('google-oauth2|b')).toBe('merged');
  });

  it.each([
    ['written for another plan', [journalHeader.replace(plan.sha256, 'f'.repeat(64))], 1, 'journal_mismatch'],
    ['a group the plan lacks', [journalHeader, step('google-oauth2|b', 'linked', 7)], 2, 'journal_mismatch'],
    [
      'a secondary its group lacks',
      [journalHeader, step('github|d', 'linked', 2, 'auth0|c')],
      2,
      'journal_mismatch',
    ],
    [
      'a step after the end',
      [journalHeader, step('google-oauth2|b', 'linked'), step('google-oauth2|b', 'merged')],
      3,
      'journal_mismatch',
    ],
    ['a malformed line', [journalHeader, 'nonsense'], 2, 'invalid_journal'],
  ])('refuses a journal with %s, naming the line', (_, lines, line, code) => {
    const file = fileOf(`${lines.join('\n')}\n`, 'j');
    const error = thrownBy(FileLineError, () => readJournal(file, plan));
    expect(error).toMatchObject({ code, line });
    expect(error.message.startsWith(`${file} line ${line}: `)).toBe(true);
  });

  it('JournalWriter cuts an interrupted line before appending', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'journal-'));
    try {
      const file = path.join(dir, 'j');
      writeFileSync(file, `${journalHeader}\n{"type":"st`);
      const writer = JournalWriter.open(file, JSON.parse(journalHeader));
      writer.record({ group: 1, primary: 'auth0|a', secondary: 'google-oauth2|b', step: 'merged' });
      writer.close();
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')).toHaveLength(3);
      expect(readJournal(file, plan).get('google-oauth2|b')).toBe('merged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('JournalWriter refuses a step after it was closed, and writes nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'journal-'));
    try {
      const file = path.join(dir, 'j');
      const writer = JournalWriter.open(file, JSON.parse(journalHeader));
      writer.close();
      expect(() =>
        writer.record({ group: 1, primary: 'auth0|a', secondary: 'google-oauth2|b', step: 'merged' }),
      ).toThrow(expect.objectContaining({ code: 'journal_closed', message: 'the journal is closed' }));
      expect(readFileSync(file, 'utf8')).toBe(`${journalHeader}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseBackfillEnv', () => {
  const env = {
    AUTH0_DOMAIN: 'Tenant.EU.auth0.com',
    AUTH0_CLIENT_ID: 'id',
    AUTH0_CLIENT_SECRET: 'secret',
    AUTO_LINK_CONNECTIONS: 'google-oauth2, *',
    MERGE_APP_METADATA_KEYS: 'plan,tier',
  };

  it('reads the Action secret names, as the Action parses them', () => {
    expect(parseBackfillEnv(env)).toEqual({
      domain: 'tenant.eu.auth0.com',
      clientId: 'id',
      clientSecret: 'secret',
      autoLinkConnections: '*',
      mergeAppMetadataKeys: ['plan', 'tier'],
      primaryPolicy: { kind: 'oldest' },
    });
    expect(parseBackfillEnv({ ...env, PRIMARY_POLICY: 'connections:acme,github' }).primaryPolicy).toEqual({
      kind: 'connections',
      order: ['acme', 'github'],
    });
  });

  it.each([
    ['AUTH0_DOMAIN', { AUTH0_DOMAIN: undefined }],
    ['AUTH0_DOMAIN', { AUTH0_DOMAIN: 'https://tenant.auth0.com' }],
    ['AUTH0_CLIENT_ID', { AUTH0_CLIENT_ID: ' ' }],
    ['AUTH0_CLIENT_SECRET', { AUTH0_CLIENT_SECRET: undefined }],
    ['PRIMARY_POLICY', { PRIMARY_POLICY: 'newest' }],
  ])('names %s when it is missing or invalid', (variable, change) => {
    const error = thrownBy(BackfillConfigError, () => parseBackfillEnv({ ...env, ...change }));
    expect(error).toMatchObject({ code: 'invalid_config', variable });
    expect(error.message).toContain(variable);
  });
});
