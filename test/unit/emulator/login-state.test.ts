import { describe, expect, it } from 'vitest';
import { ExpiringMap } from '../../../emulator/bounded-maps.ts';
import {
  type AuthorizeTransaction,
  LOGIN_FLOW_LIFETIME_MS,
  LoginState,
  VERIFICATION_TICKET_LIFETIME_MS,
} from '../../../emulator/login/transactions.ts';
import { InProcessTenant } from '../../support/in-process-tenant.ts';

const MINUTE = 60_000;

function loginState() {
  const clock = { now: 1_000_000 };
  return { clock, state: new LoginState(() => clock.now) };
}

function authorize(
  overrides: Partial<AuthorizeTransaction> = {},
): Omit<AuthorizeTransaction, 'id' | 'expiresAt'> {
  return {
    browser: 'browser-1',
    clientId: 'app',
    redirectUri: 'https://app.test/callback',
    state: 'app-state',
    nonce: undefined,
    codeChallenge: undefined,
    scope: 'openid',
    audience: undefined,
    responseParts: ['code'],
    responseMode: 'query',
    connection: undefined,
    loginHint: undefined,
    prompt: [],
    query: {},
    ...overrides,
  };
}

function suspendedAt(transaction: AuthorizeTransaction) {
  return {
    transaction,
    userId: 'auth0|1',
    identity: { provider: 'auth0', user_id: '1' },
    connection: 'Username-Password-Authentication',
    authTime: 1_000,
    actionIndex: 0,
    changes: { userMetadata: {}, appMetadata: {}, idTokenClaims: {}, accessTokenClaims: {} },
  };
}

describe('login state lifetimes', () => {
  it('ends a login transaction one hour after /authorize, as Auth0 ends login flows', () => {
    const { clock, state } = loginState();
    const { id } = state.begin(authorize());
    clock.now += LOGIN_FLOW_LIFETIME_MS - 1;
    expect(state.transaction(id, 'browser-1')?.id).toBe(id);
    clock.now += 1;
    expect(state.transaction(id, 'browser-1')).toBeUndefined();
  });

  it('ends a login waiting at /continue with its flow, one hour after /authorize', () => {
    const { clock, state } = loginState();
    const transaction = state.begin(authorize());
    clock.now += 50 * MINUTE;
    const resumeState = state.suspend(suspendedAt(transaction));
    clock.now += 10 * MINUTE;
    expect(state.resume(resumeState, 'browser-1')).toBeUndefined();
  });

  it('resumes a suspended login once, and only in its own browser', () => {
    const { state } = loginState();
    const resumeState = state.suspend(suspendedAt(state.begin(authorize())));
    expect(state.resume(resumeState, 'browser-2')).toBeUndefined();
    expect(state.resume(resumeState, 'browser-1')?.userId).toBe('auth0|1');
    expect(state.resume(resumeState, 'browser-1')).toBeUndefined();
  });

  it('redeems an authorization code once, and not at its expiry', () => {
    const { clock, state } = loginState();
    const grant = {
      clientId: 'app',
      userId: 'auth0|1',
      connection: 'Username-Password-Authentication',
      scope: 'openid',
      audience: undefined,
      nonce: undefined,
      authTime: 1_000,
      sid: 'sid-1',
      idTokenClaims: {},
      redirectUri: 'https://app.test/callback',
      codeChallenge: undefined,
    };
    const once = state.issueCode({ ...grant, expiresAt: clock.now + MINUTE });
    expect(state.redeemCode(once)?.userId).toBe('auth0|1');
    expect(state.redeemCode(once)).toBeUndefined();
    const late = state.issueCode({ ...grant, expiresAt: clock.now + MINUTE });
    clock.now += MINUTE;
    expect(state.redeemCode(late)).toBeUndefined();
  });

  it('keeps a sign-up verification link for five days, the default lifetime of Auth0 verification tickets', () => {
    const { clock, state } = loginState();
    const early = state.issueVerificationTicket('auth0|1');
    const late = state.issueVerificationTicket('auth0|2');
    clock.now += VERIFICATION_TICKET_LIFETIME_MS - 1;
    expect(state.redeemVerificationTicket(early)).toBe('auth0|1');
    clock.now += 1;
    expect(state.redeemVerificationTicket(late)).toBeUndefined();
  });
});

describe('expiring maps', () => {
  it('drops the expired values at the next write, so abandoned ones do not pile up', () => {
    const clock = { now: 0 };
    const map = new ExpiringMap<{ expiresAt: number }>(() => clock.now);
    for (let i = 0; i < 100; i++) map.set(`abandoned-${i}`, { expiresAt: clock.now + MINUTE });
    clock.now += MINUTE;
    map.set('fresh', { expiresAt: clock.now + MINUTE });
    expect(map.size).toBe(1);
  });

  it('moves a renewed value to the newest end, so it does not hold expired ones behind it', () => {
    const clock = { now: 0 };
    const map = new ExpiringMap<{ expiresAt: number }>(() => clock.now);
    map.set('renewed', { expiresAt: MINUTE });
    map.set('abandoned', { expiresAt: MINUTE });
    clock.now += MINUTE / 2;
    map.set('renewed', { expiresAt: clock.now + MINUTE });
    clock.now += MINUTE / 2;
    map.set('fresh', { expiresAt: clock.now + MINUTE });
    expect(map.size).toBe(2);
    expect(map.get('abandoned')).toBeUndefined();
  });
});

describe('an abandoned login at the login page', () => {
  it('gets the lost-session error page an hour after /authorize, as Auth0 answers an expired login flow', async () => {
    const clock = { now: Date.now() };
    const tenant = new InProcessTenant({ now: () => clock.now });
    const callback = 'https://app.test/callback';
    const client = tenant.context.store.createClient({
      name: 'Web',
      app_type: 'regular_web',
      callbacks: [callback],
    });
    const query = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: callback,
      response_type: 'code',
    });
    const authorize = await tenant.fetch(`https://${tenant.domain}/authorize?${query}`);
    const loginPage = `https://${tenant.domain}${authorize.headers.get('location')}`;
    const headers = { cookie: authorize.headers.get('set-cookie')?.split(';')[0] ?? '' };
    clock.now += LOGIN_FLOW_LIFETIME_MS - 1;
    expect((await tenant.fetch(loginPage, { headers })).status).toBe(200);
    clock.now += 1;
    const expired = await tenant.fetch(loginPage, { headers });
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('find your session');
  });
});
