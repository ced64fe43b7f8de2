import { describe, expect, it } from 'vitest';
import { createPostLoginApi, NO_REDIRECT_PROTOCOLS } from '../../../emulator/actions-runtime/api.ts';
import { ActionCache } from '../../../emulator/actions-runtime/cache.ts';
import { ActionsRuntimeError } from '../../../emulator/actions-runtime/errors.ts';
import type { Phase } from '../../../emulator/actions-runtime/outcome.ts';
import { makePostLoginEvent, type PostLoginEventOverrides } from '../../support/post-login-event.ts';

const CONSENT_URL = 'https://web.example.com/consent';

function run(overrides: PostLoginEventOverrides = {}, phase: Phase = 'execute') {
  return createPostLoginApi({ event: makePostLoginEvent(overrides), phase, now: () => 1_741_944_600_000 });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ActionsRuntimeError) return error.code;
    throw error;
  }
  return undefined;
}

describe('api.redirect.sendUserTo', () => {
  it('records the URL built with searchParams.set, keeping existing parameters and without state', () => {
    const { api, outcome } = run();
    api.redirect.sendUserTo(`${CONSENT_URL}?lang=en`, { query: { session_token: 'a.b.c', note: 'x y&z' } });
    expect(outcome.redirect).toEqual({ url: `${CONSENT_URL}?lang=en&session_token=a.b.c&note=x+y%26z` });
  });

  it('replaces a query parameter already in the URL rather than appending a second one', () => {
    const { api, outcome } = run();
    api.redirect.sendUserTo(`${CONSENT_URL}?lang=en`, { query: { lang: 'fr' } });
    expect(outcome.redirect?.url).toBe(`${CONSENT_URL}?lang=fr`);
  });

  it('throws on a URL that new URL() cannot parse', () => {
    expect(() => run().api.redirect.sendUserTo('/consent')).toThrow(TypeError);
  });

  it('refuses a second redirect in the same execution', () => {
    const { api, outcome } = run();
    api.redirect.sendUserTo(CONSENT_URL);
    expect(codeOf(() => api.redirect.sendUserTo('https://other.example.com/'))).toBe(
      'redirect_already_requested',
    );
    expect(outcome.redirect?.url).toBe(CONSENT_URL);
  });

  it.each(NO_REDIRECT_PROTOCOLS)(
    'records interaction_required instead of redirecting in a %s flow',
    (protocol) => {
      const { api, outcome } = run({ transaction: { protocol } });
      api.redirect.sendUserTo(CONSENT_URL);
      expect(outcome.redirect).toBeUndefined();
      expect(outcome.interactionRequired?.reason).toContain(protocol);
    },
  );

  it('records interaction_required instead of redirecting when the authorize request had prompt=none', () => {
    const { api, outcome } = run({
      request: { query: { prompt: 'none' } },
      transaction: { prompt: ['none'] },
    });
    api.redirect.sendUserTo(CONSENT_URL);
    expect(outcome.redirect).toBeUndefined();
    expect(outcome.interactionRequired).toBeDefined();
  });

  it('does not redirect when a form was already rendered in the same Action', () => {
    const { api, outcome } = run();
    api.prompt.render('consent-form');
    api.redirect.sendUserTo(CONSENT_URL);
    expect(outcome.redirect).toBeUndefined();
    expect(outcome.aborted?.reason).toBe('Redirect and render commands cannot be used in the same action.');
  });

  it('aborts a render after a redirect in the same Action', () => {
    const { api, outcome } = run();
    api.redirect.sendUserTo(CONSENT_URL);
    api.prompt.render('consent-form');
    expect(outcome.prompt).toBeUndefined();
    expect(outcome.aborted?.reason).toBe('Redirect and render commands cannot be used in the same action.');
  });
});

describe('api.redirect.canRedirect', () => {
  it.each([
    ['an authorization-code login', {}, true],
    ['an implicit login', { transaction: { protocol: 'oidc-implicit-profile' } }, true],
    ['a refresh-token exchange', { transaction: { protocol: 'oauth2-refresh-token' } }, false],
    ['a password grant', { transaction: { protocol: 'oauth2-password' } }, false],
    ['a prompt=none request', { request: { query: { prompt: 'none' } } }, false],
    ['a transaction with prompt none', { transaction: { prompt: ['none'] } }, false],
  ] satisfies [string, PostLoginEventOverrides, boolean][])(
    'answers for %s',
    (_name, overrides, expected) => {
      expect(run(overrides).api.redirect.canRedirect()).toBe(expected);
    },
  );
});

describe('api.authentication.setPrimaryUser', () => {
  it('records the primary user id', () => {
    const { api, outcome } = run();
    api.authentication.setPrimaryUser('auth0|primary');
    expect(outcome.primaryUserId).toBe('auth0|primary');
  });

  it("throws Auth0's message on a second call in the same transaction", () => {
    const { api, outcome } = run();
    api.authentication.setPrimaryUser('auth0|primary');
    expect(() => api.authentication.setPrimaryUser('auth0|other')).toThrow(
      'The primary user can only be altered once per transaction',
    );
    expect(outcome.primaryUserId).toBe('auth0|primary');
  });

  it.each([
    ['an empty id', ''],
    ['an id over 128 characters', `auth0|${'x'.repeat(123)}`],
  ])('rejects %s', (_name, id) => {
    const { api, outcome } = run();
    expect(codeOf(() => api.authentication.setPrimaryUser(id))).toBe('invalid_primary_user_id');
    expect(outcome.primaryUserId).toBeUndefined();
  });

  it('accepts an id of exactly 128 characters', () => {
    const { api, outcome } = run();
    const id = `auth0|${'x'.repeat(122)}`;
    api.authentication.setPrimaryUser(id);
    expect(outcome.primaryUserId).toBe(id);
  });
});

describe('api.user metadata', () => {
  it('records deferred metadata changes, null meaning delete', () => {
    const { api, outcome } = run();
    api.user.setUserMetadata('theme', 'dark').user.setUserMetadata('legacy', null);
    api.user.setAppMetadata('account_linking', { declined: ['auth0|b'] });
    expect(outcome.userMetadata).toEqual({ theme: 'dark', legacy: null });
    expect(outcome.appMetadata).toEqual({ account_linking: { declined: ['auth0|b'] } });
  });

  it('drops user_metadata set after setPrimaryUser in the same execution', () => {
    const { api, outcome } = run();
    api.authentication.setPrimaryUser('auth0|primary');
    api.user.setUserMetadata('theme', 'dark');
    expect(outcome.userMetadata).toEqual({});
    expect(outcome.discardedUserMetadata).toEqual({ theme: 'dark' });
  });

  it('drops user_metadata set before setPrimaryUser in the same execution', () => {
    const { api, outcome } = run();
    api.user.setUserMetadata('theme', 'dark');
    api.authentication.setPrimaryUser('auth0|primary');
    expect(outcome.userMetadata).toEqual({});
  });

  it('keeps app_metadata set in the same execution as setPrimaryUser', () => {
    const { api, outcome } = run();
    api.authentication.setPrimaryUser('auth0|primary');
    api.user.setAppMetadata('plan', 'pro');
    expect(outcome.appMetadata).toEqual({ plan: 'pro' });
  });

  it('refuses to set metadata when the stored user_metadata is not an object', () => {
    const { api } = run({ user: { user_metadata: 'broken' as unknown as Record<string, unknown> } });
    expect(codeOf(() => api.user.setUserMetadata('k', 'v'))).toBe('invalid_metadata');
  });
});

describe('api.access.deny', () => {
  it('records the reason returned to the application', () => {
    const { api, outcome } = run();
    api.access.deny('Your account is pending review.');
    expect(outcome.denied).toEqual({ reason: 'Your account is pending review.' });
  });
});

describe('custom claims', () => {
  it('records namespaced claims for the ID token and the access token', () => {
    const { api, outcome } = run();
    api.idToken.setCustomClaim('https://example.com/linked', true);
    api.accessToken.setCustomClaim('https://example.com/roles', ['admin']);
    expect(outcome.idTokenClaims).toEqual({ 'https://example.com/linked': true });
    expect(outcome.accessTokenClaims).toEqual({ 'https://example.com/roles': ['admin'] });
  });

  it.each(['sub', 'iss', 'aud', 'https://auth0.com/claim'])('refuses the restricted claim %s', (name) => {
    expect(codeOf(() => run().api.idToken.setCustomClaim(name, 'x'))).toBe('reserved_claim');
  });
});

describe('api.authentication.recordMethod', () => {
  it('records the method in onContinuePostLogin', () => {
    const { api, outcome } = run({}, 'continue');
    api.authentication.recordMethod('https://idp.example.com/mfa');
    expect(outcome.recordedMethods).toEqual(['https://idp.example.com/mfa']);
  });

  it('throws when called from onExecutePostLogin', () => {
    expect(
      codeOf(() => run({}, 'execute').api.authentication.recordMethod('https://idp.example.com/mfa')),
    ).toBe('record_method_outside_continue');
  });
});

describe('api.cache', () => {
  it('is the cache shared across executions of the trigger', () => {
    const cache = new ActionCache(() => 0);
    const event = makePostLoginEvent();
    createPostLoginApi({ event, cache, phase: 'execute' }).api.cache.set('m2m-token', 'tok');
    const second = createPostLoginApi({ event, cache, phase: 'execute' });
    expect(second.api.cache.get('m2m-token')?.value).toBe('tok');
  });
});
