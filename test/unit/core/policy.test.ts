import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config.ts';
import {
  accountPagePair,
  choosePrimary,
  decideLink,
  decideProvenLink,
  filterLinkCandidates,
  findUsersByEmail,
  isInteractive,
  isVerifiedEmailUser,
  type LoginFacts,
  linkSuggestions,
  MAX_DECLINED,
  sameEmail,
  snoozedUntil,
  withDeclined,
  withoutSnooze,
} from '../../../core/policy.ts';
import { makeUser, withLinkedIdentity } from '../../support/users.ts';

const config = (extra: Record<string, string> = {}) =>
  parseConfig({
    AUTH0_DOMAIN: 'tenant.example.com',
    AUTH0_CLIENT_ID: 'id',
    AUTH0_CLIENT_SECRET: 'secret',
    CONSENT_URL: 'https://link.example.com/consent',
    SESSION_TOKEN_SECRET: 'a-session-token-secret-of-32-chars!!',
    AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication,google-oauth2',
    ...extra,
  });

const older = makeUser('auth0|old', { created_at: '2020-01-01T00:00:00.000Z' });
const current = makeUser('google-oauth2|new', { created_at: '2025-01-01T00:00:00.000Z' });
const facts = (overrides: Partial<LoginFacts> = {}): LoginFacts => ({
  user: current,
  connection: 'google-oauth2',
  clientId: 'app',
  loginsCount: 1,
  interactive: true,
  ...overrides,
});

describe('email equality', () => {
  it.each([
    ['Alice@Example.com', 'alice@example.com', true],
    ['alice+x@example.com', 'alice@example.com', false],
    ['a.lice@gmail.com', 'alice@gmail.com', false],
    ['\u0430lice@example.com', 'alice@example.com', false],
    ['\u212Aate@example.com', 'kate@example.com', false],
    [' alice@example.com', 'alice@example.com', false],
  ])('treats %j and %j as the same email: %s', (a, b, same) => {
    expect(sameEmail(a, b)).toBe(same);
  });
});

describe('verified email', () => {
  it.each([true, 'true', 1, undefined])('counts only the boolean true as verified (%j)', (flag) => {
    expect(isVerifiedEmailUser(makeUser('auth0|a', { email_verified: flag }))).toBe(flag === true);
  });
});

describe('candidates', () => {
  it('drops the current user, unverified, blocked, other-email and already-linked users', () => {
    const linkedAlready = {
      ...current,
      identities: [...(current.identities ?? []), { provider: 'github', user_id: '7', connection: 'github' }],
    };
    const found = [
      linkedAlready,
      makeUser('auth0|unverified', { email_verified: false }),
      makeUser('auth0|blocked', { blocked: true }),
      makeUser('auth0|other', { email: 'bob@example.com' }),
      makeUser('github|7'),
      older,
    ];
    expect(filterLinkCandidates(linkedAlready, found).map((user) => user.user_id)).toEqual(['auth0|old']);
  });

  it('drops candidates the user declined with "don\'t ask again"', () => {
    const declining = { ...current, app_metadata: { account_linking: { declined: ['auth0|old'] } } };
    expect(filterLinkCandidates(declining, [older])).toEqual([]);
  });

  it('finds a candidate whose stored email differs only in ASCII case', () => {
    const upper = { ...current, email: 'Alice@Example.COM' };
    expect(filterLinkCandidates(upper, [older])).toHaveLength(1);
  });
});

describe('passwordless users (email|, sms|) are candidates like any other connection', () => {
  const emailUser = makeUser('email|5f1a2b3c4d5e6f7a8b9c0d1e', {
    connection: 'email',
    created_at: '2023-01-01T00:00:00.000Z',
  });

  it('finds a verified email| user as the candidate of a social login', () => {
    expect(filterLinkCandidates(current, [emailUser]).map((user) => user.user_id)).toEqual([
      emailUser.user_id,
    ]);
  });

  it('finds the database account as the candidate of an email| login, and asks unless email is trusted', () => {
    const login = facts({ user: emailUser, connection: 'email' });
    expect(filterLinkCandidates(emailUser, [emailUser, older])).toEqual([older]);
    expect(decideLink(login, [older], config())).toMatchObject({
      kind: 'ask',
      reason: 'connection_not_trusted',
    });
    const trusted = config({ AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication,email' });
    expect(decideLink(login, [older], trusted).kind).toBe('link');
  });

  it('never finds an sms| user: it has no email', () => {
    const { email: _none, ...smsUser } = makeUser('sms|5f1a2b3c4d5e6f7a8b9c0d1f', { connection: 'sms' });
    expect(filterLinkCandidates(current, [smsUser])).toEqual([]);
  });
});

describe('primary choice', () => {
  it('chooses the oldest account, then the smallest user id on a tie', () => {
    const twin = makeUser('auth0|aaa', { created_at: older.created_at! });
    expect(choosePrimary([current, older, twin]).user_id).toBe('auth0|aaa');
  });

  it('never lets a newer account absorb an older one', () => {
    const decision = decideLink(facts(), [older], config());
    expect(decision).toMatchObject({
      kind: 'link',
      primary: { user_id: 'auth0|old' },
      secondary: { user_id: 'google-oauth2|new' },
    });
  });
});

describe('PRIMARY_POLICY', () => {
  const github = makeUser('github|7', { created_at: '2018-01-01T00:00:00.000Z' });
  const newerDatabase = makeUser('auth0|newer', { created_at: '2024-01-01T00:00:00.000Z' });

  it.each([
    ['oldest', [current, older, github], 'github|7'],
    ['database-first', [current, github, older, newerDatabase], 'auth0|old'],
    ['connections:google-oauth2,github', [older, github, current], 'google-oauth2|new'],
    // Connections the list does not name come after those it does, oldest first.
    ['connections:github', [current, older], 'auth0|old'],
  ])('%s chooses the primary it names, the oldest breaking ties', (policy, users, primary) => {
    expect(choosePrimary(users, config({ PRIMARY_POLICY: policy }).primaryPolicy).user_id).toBe(primary);
  });

  it('links the current login as the primary when the policy prefers its connection', () => {
    const decision = decideLink(facts(), [older], config({ PRIMARY_POLICY: 'connections:google-oauth2' }));
    expect(decision).toMatchObject({
      kind: 'link',
      primary: { user_id: 'google-oauth2|new' },
      secondary: { user_id: 'auth0|old' },
    });
  });

  it('keeps the trojan-identity guard under every policy', () => {
    const planted = makeUser('google-oauth2|new', {
      created_at: current.created_at!,
      identities: [
        ...current.identities!,
        {
          provider: 'github',
          user_id: '9',
          connection: 'github',
          profileData: { email: 'evil@example.com' },
        },
      ],
    });
    for (const policy of ['oldest', 'database-first', 'connections:google-oauth2']) {
      const decision = decideLink(
        facts({ user: makeUser('auth0|x', { created_at: '2026-01-01T00:00:00.000Z' }) }),
        [planted],
        config({ PRIMARY_POLICY: policy, AUTO_LINK_CONNECTIONS: '*' }),
      );
      expect(decision.kind).not.toBe('link');
    }
  });

  it('never makes an unverified or blocked account the primary: they are not candidates', () => {
    const unverified = makeUser('auth0|u', { created_at: older.created_at!, email_verified: false });
    const blocked = makeUser('auth0|b', { created_at: older.created_at!, blocked: true });
    const candidates = filterLinkCandidates(current, [unverified, blocked]);
    expect(decideLink(facts(), candidates, config({ PRIMARY_POLICY: 'database-first' })).kind).toBe('skip');
  });

  it.each(['newest', 'connections:', 'connections: a b', 'Oldest'])(
    'refuses PRIMARY_POLICY=%s naming the setting',
    (value) => {
      expect(() => config({ PRIMARY_POLICY: value })).toThrow(
        expect.objectContaining({
          variable: 'PRIMARY_POLICY',
          message: expect.stringContaining('PRIMARY_POLICY'),
        }),
      );
    },
  );

  it.each(['-1', '1.5', 'seven', '366'])('refuses NOT_NOW_DAYS=%s naming the setting', (value) => {
    expect(() => config({ NOT_NOW_DAYS: value })).toThrow(
      expect.objectContaining({ variable: 'NOT_NOW_DAYS' }),
    );
  });
});

describe('decision', () => {
  it('links silently when both connections are trusted', () => {
    expect(decideLink(facts(), [older], config()).kind).toBe('link');
  });

  it('asks when the login connection is not trusted', () => {
    const decision = decideLink(facts({ connection: 'acme-oidc' }), [older], config());
    expect(decision).toMatchObject({ kind: 'ask', reason: 'connection_not_trusted' });
  });

  it.each([
    [
      'an identity with another email',
      { provider: 'github', user_id: '9', connection: 'github' },
      'mallory@example.com',
    ],
    [
      'a same-email identity from an untrusted connection',
      { provider: 'oauth2', user_id: 'weak-idp|9', connection: 'weak-idp' },
      'alice@example.com',
    ],
  ])('asks instead of linking into a primary holding %s', (_, identity, email) => {
    const trojan = withLinkedIdentity(older, identity, email);
    expect(decideLink(facts(), [trojan], config())).toMatchObject({
      kind: 'ask',
      reason: 'foreign_identity_on_primary',
    });
  });

  it('never links a non-ASCII email silently', () => {
    const user = { ...current, email: 'jos\u00e9@example.com' };
    expect(decideLink(facts({ user }), [{ ...older, email: user.email }], config())).toMatchObject({
      kind: 'ask',
      reason: 'non_ascii_email',
    });
  });

  it('logs in unlinked when consent is needed in a non-interactive flow', () => {
    expect(decideLink(facts({ connection: 'acme-oidc', interactive: false }), [older], config())).toEqual({
      kind: 'skip',
      reason: 'not_interactive',
    });
  });

  it('logs in unlinked when consent is needed and no CONSENT_URL is set', () => {
    const noConsent = config({ CONSENT_URL: '', SESSION_TOKEN_SECRET: '' });
    expect(decideLink(facts({ connection: 'acme-oidc' }), [older], noConsent)).toEqual({
      kind: 'skip',
      reason: 'consent_unavailable',
    });
  });

  it('asks when the older candidate signs in on a connection that is not trusted', () => {
    const weak = makeUser('oauth2|weak-idp|9', {
      created_at: '2020-01-01T00:00:00.000Z',
      connection: 'weak-idp',
    });
    expect(decideLink(facts(), [weak], config())).toMatchObject({
      kind: 'ask',
      reason: 'connection_not_trusted',
    });
  });

  it('links into the oldest of several verified candidates', () => {
    const newer = makeUser('auth0|newer', { created_at: '2022-01-01T00:00:00.000Z' });
    expect(decideLink(facts(), [newer, older], config())).toMatchObject({
      kind: 'link',
      primary: { user_id: 'auth0|old' },
      secondary: { user_id: 'google-oauth2|new' },
    });
  });

  it('skips an email shared by more than ten candidates', () => {
    const many = Array.from({ length: 11 }, (_, i) => makeUser(`auth0|dup${i}`));
    expect(decideLink(facts(), many, config())).toEqual({ kind: 'skip', reason: 'too_many_candidates' });
  });

  it('skips when the newer current user already holds linked identities', () => {
    const holding = {
      ...current,
      identities: [...(current.identities ?? []), { provider: 'github', user_id: '7', connection: 'github' }],
    };
    expect(decideLink(facts({ user: holding }), [older], config())).toEqual({
      kind: 'skip',
      reason: 'secondary_has_identities',
    });
  });

  it('treats only OIDC protocols without prompt=none as interactive', () => {
    expect(isInteractive('oidc-basic-profile', [])).toBe(true);
    expect(isInteractive('oidc-basic-profile', ['none'])).toBe(false);
    expect(isInteractive('oauth2-refresh-token', [])).toBe(false);
    expect(isInteractive(undefined, [])).toBe(false);
  });
});

describe('the proven account at /continue', () => {
  it('links the proven candidate into the older account', () => {
    expect(decideProvenLink(current, [older], 'auth0|old')).toEqual({
      kind: 'link',
      primary: older,
      secondary: current,
    });
  });

  it('refuses an account that is no candidate now, whatever the proof names', () => {
    expect(decideProvenLink(current, [older], 'auth0|someone-else')).toEqual({
      kind: 'reject',
      reason: 'candidate_not_linkable',
    });
  });

  it('skips when the account that would become the secondary holds linked identities', () => {
    const newer = withLinkedIdentity(
      makeUser('auth0|newer', { created_at: '2026-01-01T00:00:00.000Z' }),
      { provider: 'github', user_id: '3', connection: 'github' },
      'alice@example.com',
    );
    expect(decideProvenLink(current, [newer], 'auth0|newer')).toEqual({
      kind: 'skip',
      reason: 'secondary_has_identities',
    });
  });
});

describe('account page suggestions', () => {
  it("are the Action's candidates: declined, unverified and blocked accounts are left out", () => {
    const me = makeUser('auth0|me', { app_metadata: { account_linking: { declined: ['github|1'] } } });
    const found = [
      makeUser('github|1'),
      makeUser('github|2', { email_verified: 'true' }),
      makeUser('github|3', { blocked: true }),
      makeUser('github|4'),
    ];
    expect(linkSuggestions(me, found).map((user) => user.user_id)).toEqual(['github|4']);
  });

  it('leave out an account holding linked identities: it cannot be linked, and may carry a trojan identity', () => {
    const holding = withLinkedIdentity(
      makeUser('github|5'),
      { provider: 'auth0', user_id: 'planted', connection: 'Username-Password-Authentication' },
      'attacker@example.com',
    );
    expect(linkSuggestions(makeUser('auth0|me'), [holding])).toEqual([]);
  });

  it('are none for an email shared by more than ten accounts, as the Action skips it', () => {
    const many = Array.from({ length: 11 }, (_, i) => makeUser(`github|${i}`));
    expect(linkSuggestions(makeUser('auth0|me'), many)).toEqual([]);
  });
});

describe('the pair a link from the account page joins', () => {
  const holding = (user: typeof current) =>
    withLinkedIdentity(user, { provider: 'github', user_id: '8', connection: 'github' }, 'alice@example.com');
  const pairOf = (me: typeof current, other: typeof current, policy = 'oldest') => {
    const pair = accountPagePair(me, other, config({ PRIMARY_POLICY: policy }).primaryPolicy);
    return pair && [pair.primary.user_id, pair.secondary.user_id];
  };

  it.each([
    [
      'the newer signed-in user joins the older account',
      current,
      older,
      'oldest',
      ['auth0|old', 'google-oauth2|new'],
    ],
    [
      'the older signed-in user keeps the newer account',
      older,
      current,
      'oldest',
      ['auth0|old', 'google-oauth2|new'],
    ],
    [
      'the signed-in user joins the connection PRIMARY_POLICY ranks first',
      older,
      current,
      'connections:google-oauth2',
      ['google-oauth2|new', 'auth0|old'],
    ],
    [
      'the newer signed-in user joins the older account holding an identity of the same email',
      current,
      holding(older),
      'oldest',
      ['auth0|old', 'google-oauth2|new'],
    ],
    [
      'the signed-in user stays the primary when the one the policy picks cannot take it (it holds identities)',
      holding(current),
      older,
      'oldest',
      ['google-oauth2|new', 'auth0|old'],
    ],
  ])('%s', (_, me, other, policy, pair) => {
    expect(pairOf(me, other, policy)).toEqual(pair);
  });

  it('is none when neither account can become the secondary', () => {
    expect(pairOf(holding(current), holding(older))).toBeUndefined();
    expect(pairOf(holding(older), holding(current))).toBeUndefined();
  });

  it('is none when the account the policy picks holds an identity of another email (a trojan)', () => {
    const trojan = withLinkedIdentity(
      older,
      { provider: 'github', user_id: '666', connection: 'github' },
      'mallory@example.com',
    );
    expect(pairOf(current, trojan)).toBeUndefined();
  });

  it('is none when the policy keeps the signed-in user and the other account holds identities', () => {
    expect(pairOf(older, holding(current))).toBeUndefined();
  });
});

describe('finding users by email', () => {
  it('searches the lower-cased form too when the email has capitals', async () => {
    const searched: string[] = [];
    const found = await findUsersByEmail(async (email) => {
      searched.push(email);
      return [email];
    }, 'Alice@Example.com');
    expect(searched).toEqual(['Alice@Example.com', 'alice@example.com']);
    expect(found).toEqual(searched);
  });

  it('searches once for a lower-case email', async () => {
    const searched: string[] = [];
    await findUsersByEmail(async (email) => {
      searched.push(email);
      return [];
    }, 'alice@example.com');
    expect(searched).toEqual(['alice@example.com']);
  });
});

describe('a "Not now" snooze', () => {
  const now = new Date('2025-06-01T00:00:00.000Z');
  const snoozed = {
    app_metadata: { account_linking: { snoozed_until: '2025-06-08T00:00:00.000Z', declined: ['a'] } },
  };

  it('tells until when it holds, and nothing once it ran out or for a malformed date', () => {
    expect(snoozedUntil(snoozed, now)?.toISOString()).toBe('2025-06-08T00:00:00.000Z');
    expect(snoozedUntil(snoozed, new Date('2025-06-08T00:00:00.000Z'))).toBeUndefined();
    expect(
      snoozedUntil({ app_metadata: { account_linking: { snoozed_until: 'soon' } } }, now),
    ).toBeUndefined();
  });

  it('is cleared keeping the declines', () => {
    expect(withoutSnooze(snoozed)).toEqual({ declined: ['a'] });
  });
});

describe('the "don\'t ask again" list', () => {
  const ids = (count: number, prefix = 'github|') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const declining = (declined: string[]) => ({
    app_metadata: { account_linking: { snoozed_until: '2025-06-08T00:00:00.000Z', declined } },
  });

  it('adds a decline after the others, keeping the other keys', () => {
    expect(withDeclined(declining(['a']), ['b'])).toEqual({
      snoozed_until: '2025-06-08T00:00:00.000Z',
      declined: ['a', 'b'],
    });
  });

  it('is unchanged, order and all, when the account is declined again', () => {
    expect(withDeclined(declining(['a', 'b', 'c']), ['a'])).toEqual(
      declining(['a', 'b', 'c']).app_metadata.account_linking,
    );
  });

  it(`keeps the newest ${MAX_DECLINED}: a decline past them drops the oldest`, () => {
    const full = ids(MAX_DECLINED);
    expect(withDeclined(declining(full), ['auth0|new']).declined).toEqual([...full.slice(1), 'auth0|new']);
  });

  it('trims a longer list written before the bound, keeping the account declined now wherever it stood', () => {
    const long = ids(MAX_DECLINED + 5);
    const declined = withDeclined(declining(long), ['github|0']).declined;
    expect(declined).toEqual(['github|0', ...long.slice(-(MAX_DECLINED - 1))]);
  });

  it(`keeps the last ${MAX_DECLINED} of a larger batch declined at once`, () => {
    const batch = ids(MAX_DECLINED + 1, 'auth0|');
    expect(withDeclined(declining(ids(3)), batch).declined).toEqual(batch.slice(1));
  });
});
