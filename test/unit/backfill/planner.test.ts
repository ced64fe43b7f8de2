import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../../core/config.ts';
import { MAX_LINK_CANDIDATES } from '../../../core/policy.ts';
import type { ManagementUser } from '../../../core/users.ts';
import { DuplicatePlanner, type PlanPolicy, planGroup } from '../../../scripts/backfill/planner.ts';
import { makeUser, withLinkedIdentity } from '../../support/users.ts';

const policy: PlanPolicy = {
  autoLinkConnections: ['Username-Password-Authentication', 'google-oauth2', 'acme'],
  mergeAppMetadataKeys: [],
  primaryPolicy: CONFIG_DEFAULTS.primaryPolicy,
};

const at = (year: number) => `${year}-01-01T00:00:00.000Z`;
const password = makeUser('auth0|pw', { created_at: at(2020) });
const google = makeUser('google-oauth2|g', { created_at: at(2021), email: 'Alice@Example.com' });
const saml = makeUser('samlp|acme|jdoe', { created_at: at(2022), connection: 'acme' });

describe('planGroup: the Action policy applied to a group of accounts sharing an email', () => {
  it('links a three-way cluster into the oldest account, oldest secondary first', () => {
    expect(planGroup([saml, google, password], policy)).toEqual({
      primary: 'auth0|pw',
      secondaries: ['google-oauth2|g', 'samlp|acme|jdoe'],
      reason: 'silent_link',
      skipped: [],
    });
  });

  it('breaks a created_at tie by user_id, as choosePrimary does', () => {
    const a = makeUser('auth0|b', { created_at: at(2020) });
    const b = makeUser('auth0|a', { created_at: at(2020) });
    expect(planGroup([a, b], policy).primary).toBe('auth0|a');
  });

  it('never makes an unverified or blocked account the primary, and says why it is skipped', () => {
    const oldUnverified = makeUser('auth0|old', { created_at: at(2010), email_verified: 'true' });
    const oldBlocked = makeUser('google-oauth2|blk', { created_at: at(2011), blocked: true });
    const plan = planGroup([oldUnverified, oldBlocked, google, saml], policy);
    expect(plan.primary).toBe('google-oauth2|g');
    expect(plan.secondaries).toEqual(['samlp|acme|jdoe']);
    expect(plan.skipped).toEqual([
      { user_id: 'auth0|old', reason: 'email_not_verified' },
      { user_id: 'google-oauth2|blk', reason: 'blocked' },
    ]);
  });

  it.each([
    ['an untrusted connection', makeUser('github|1', { created_at: at(2023) }), 'connection_not_trusted'],
    [
      'a declined account',
      makeUser('google-oauth2|no', {
        created_at: at(2023),
        app_metadata: { account_linking: { declined: ['auth0|pw'] } },
      }),
      'declined',
    ],
    [
      'an account already holding linked identities',
      makeUser('google-oauth2|many', {
        created_at: at(2023),
        identities: [
          { provider: 'google-oauth2', user_id: 'many', connection: 'google-oauth2' },
          { provider: 'auth0', user_id: 'x', connection: 'Username-Password-Authentication' },
        ],
      }),
      'secondary_has_identities',
    ],
  ])('skips %s', (_, member, reason) => {
    const plan = planGroup([password, member], policy);
    expect(plan.secondaries).toEqual([]);
    expect(plan.reason).toBe(reason);
    expect(plan.skipped).toEqual([{ user_id: member.user_id, reason }]);
  });

  it('skips the whole group when the email is not ASCII', () => {
    const email = 'jürgen@example.com';
    const plan = planGroup(
      [makeUser('auth0|j', { email, created_at: at(2020) }), makeUser('google-oauth2|j', { email })],
      policy,
    );
    expect(plan).toMatchObject({ secondaries: [], reason: 'non_ascii_email' });
  });

  it.each([
    ['an identity with another email (a trojan identity)', 'google-oauth2', 'attacker@example.com'],
    ['an identity of an untrusted connection', 'github', 'alice@example.com'],
  ])('skips when the primary already holds %s', (_, connection, email) => {
    const primary = withLinkedIdentity(
      makeUser('auth0|pw', { created_at: at(2020) }),
      { provider: connection, user_id: '7', connection },
      email,
    );
    expect(planGroup([primary, google], policy).reason).toBe('foreign_identity_on_primary');
  });

  it('leaves an address with more accounts than the Action would consider alone (MAX_LINK_CANDIDATES)', () => {
    const crowd = Array.from({ length: MAX_LINK_CANDIDATES + 1 }, (_, i) =>
      makeUser(`google-oauth2|${i}`, { created_at: at(2021 + i) }),
    );
    const plan = planGroup([password, ...crowd], policy);
    expect(plan).toMatchObject({ primary: 'auth0|pw', secondaries: [], reason: 'too_many_candidates' });
    expect(planGroup([password, ...crowd.slice(1)], policy).secondaries).toHaveLength(MAX_LINK_CANDIDATES);
  });

  it('trusts every connection with "*"', () => {
    const github = makeUser('github|1', { created_at: at(2023) });
    expect(planGroup([password, github], { ...policy, autoLinkConnections: '*' }).secondaries).toEqual([
      'github|1',
    ]);
  });
});

describe('DuplicatePlanner', () => {
  it('groups by email lower-cased A–Z only, and keeps ids with bars whole', () => {
    const planner = new DuplicatePlanner();
    for (const user of [
      password,
      google,
      saml,
      makeUser('auth0|other', { email: 'ALİCE@example.com' }),
      makeUser('auth0|plus', { email: 'alice+x@example.com' }),
      { user_id: 'auth0|noemail' },
    ])
      planner.add(user);
    expect(planner.counts).toEqual({ users: 6, withoutEmail: 1 });
    expect([...planner.plan(policy)]).toEqual([
      expect.objectContaining({ primary: 'auth0|pw', secondaries: ['google-oauth2|g', 'samlp|acme|jdoe'] }),
    ]);
  });

  // The Action looks up the login's exact email and its lower-cased form, nothing else: a pair is linked only if
  // a login of one of the two would find the other.
  describe('email case, as the Action searches', () => {
    const variant = (id: string, email: string, year: number, connection?: string) =>
      makeUser(id, { email, created_at: at(year), ...(connection ? { connection } : {}) });
    const plansOf = (users: ManagementUser[]) => {
      const planner = new DuplicatePlanner();
      for (const user of users) planner.add(user);
      return { plans: [...planner.plan(policy)] };
    };

    it.each([
      [
        'does not group two accounts whose emails differ in case when neither is the lower-cased form',
        [
          variant('google-oauth2|1', 'Foo@example.com', 2020),
          variant('samlp|acme|2', 'FOO@example.com', 2021, 'acme'),
        ],
        [],
      ],
      [
        'links case variants into an account holding the lower-cased form',
        [
          variant('auth0|lower', 'foo@example.com', 2020),
          variant('google-oauth2|1', 'Foo@example.com', 2021),
          variant('samlp|acme|2', 'FOO@example.com', 2022, 'acme'),
        ],
        [
          {
            primary: 'auth0|lower',
            secondaries: ['google-oauth2|1', 'samlp|acme|2'],
            reason: 'silent_link',
            skipped: [],
          },
        ],
      ],
      [
        'leaves a case variant that no login of it or of the primary would find',
        [
          variant('google-oauth2|1', 'Foo@example.com', 2020),
          variant('auth0|lower', 'foo@example.com', 2021),
          variant('samlp|acme|2', 'FOO@example.com', 2022, 'acme'),
        ],
        [
          {
            primary: 'google-oauth2|1',
            secondaries: ['auth0|lower'],
            reason: 'silent_link',
            skipped: [{ user_id: 'samlp|acme|2', reason: 'email_case_differs' }],
          },
        ],
      ],
      [
        'groups the accounts of one exact mixed-case email when no account holds the lower-cased form',
        [
          variant('google-oauth2|1', 'Foo@example.com', 2020),
          variant('google-oauth2|2', 'FOO@example.com', 2021),
          variant('samlp|acme|3', 'Foo@example.com', 2022, 'acme'),
        ],
        [expect.objectContaining({ primary: 'google-oauth2|1', secondaries: ['samlp|acme|3'], skipped: [] })],
      ],
    ])('%s', (_behaviour, users, expected) => {
      expect(plansOf(users).plans).toEqual(expected);
    });
  });

  it('keeps only what the policy reads of a user', () => {
    const planner = new DuplicatePlanner();
    planner.add({ ...password, user_metadata: { big: 'x'.repeat(1000) }, logins_count: 9 });
    planner.add(google);
    const [group] = [...planner.plan(policy)];
    expect(group?.secondaries).toEqual(['google-oauth2|g']);
  });

  it('refuses a line without a user_id', () => {
    expect(() => new DuplicatePlanner().add({ email: 'a@example.com' })).toThrow(TypeError);
  });
});
