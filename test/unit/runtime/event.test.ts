import { describe, expect, it } from 'vitest';
import { makeEventUser, makeIdentity, makePostLoginEvent } from '../../support/post-login-event.ts';

describe('makePostLoginEvent', () => {
  it('builds an authorization-code login of a database user whose identity matches its user_id', () => {
    const event = makePostLoginEvent();
    expect(event.user.user_id).toMatch(/^auth0\|/);
    expect(event.user.identities).toEqual([
      {
        connection: 'Username-Password-Authentication',
        provider: 'auth0',
        user_id: event.user.user_id.slice('auth0|'.length),
        isSocial: false,
      },
    ]);
    expect(event.connection).toMatchObject({ name: 'Username-Password-Authentication', strategy: 'auth0' });
    expect(event.transaction?.protocol).toBe('oidc-basic-profile');
    expect(event.request.hostname).toBeTruthy();
  });

  it('is deterministic', () => {
    expect(makePostLoginEvent()).toEqual(makePostLoginEvent());
  });

  it('merges nested overrides and keeps the other defaults', () => {
    const event = makePostLoginEvent({
      user: { email: 'Ann@Example.com' },
      request: { query: { prompt: 'none' } },
    });
    expect(event.user.email).toBe('Ann@Example.com');
    expect(event.user.email_verified).toBe(true);
    expect(event.request.query.prompt).toBe('none');
    expect(event.request.query.response_type).toBe('code');
  });

  it('replaces arrays instead of merging them', () => {
    const event = makePostLoginEvent({ transaction: { requested_scopes: ['openid'] } });
    expect(event.transaction?.requested_scopes).toEqual(['openid']);
  });

  it('removes an optional field overridden with undefined', () => {
    expect(makePostLoginEvent({ transaction: undefined }).transaction).toBeUndefined();
  });

  it('derives the connection and identity of a social user from its user_id', () => {
    const event = makePostLoginEvent({ user: { user_id: 'google-oauth2|1122334455' } });
    expect(event.connection).toMatchObject({ name: 'google-oauth2', strategy: 'google-oauth2' });
    expect(event.user.identities[0]).toEqual({
      connection: 'google-oauth2',
      provider: 'google-oauth2',
      user_id: '1122334455',
      isSocial: true,
    });
    expect(event.authentication?.methods[0]?.name).toBe('federated');
  });

  it('gives a user of a named connection a matching user_id', () => {
    const event = makePostLoginEvent({ connection: { name: 'acme-oidc' } });
    expect(event.connection.strategy).toBe('oidc');
    expect(event.user.user_id).toMatch(/^oidc\|/);
    expect(event.user.identities[0]?.connection).toBe('acme-oidc');
  });

  it('does not share state between events', () => {
    const first = makePostLoginEvent();
    first.user.app_metadata.flag = true;
    expect(makePostLoginEvent().user.app_metadata).toEqual({});
  });
});

describe('makeIdentity', () => {
  it('splits the user_id on the first | only', () => {
    expect(makeIdentity('samlp|acme|jdoe')).toMatchObject({ provider: 'samlp', user_id: 'acme|jdoe' });
  });
});

describe('makeEventUser', () => {
  it('keeps identities given as an override', () => {
    const secondary = makeIdentity('github|42');
    const user = makeEventUser({ user_id: 'auth0|abc', identities: [makeIdentity('auth0|abc'), secondary] });
    expect(user.identities.map((identity) => identity.provider)).toEqual(['auth0', 'github']);
  });
});
