import { AuthorizationResponseError, ResponseBodyError } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { logoutUrl, toOidcError } from '../../../web/oidc.ts';
import { testConfig } from './support.ts';

function bodyError(status: number): ResponseBodyError {
  return new ResponseBodyError('server responded with an error', {
    cause: { error: status >= 500 ? 'server_error' : 'invalid_grant' },
    response: new Response(null, { status }),
  } as never);
}

describe('OIDC failures', () => {
  it('treats an error returned to the callback as a refused sign-in', () => {
    const error = new AuthorizationResponseError('authorization response error', {
      cause: new URLSearchParams({ error: 'access_denied' }),
    } as never);
    expect(toOidcError(error)).toMatchObject({
      code: 'oidc_rejected',
      message: 'the tenant refused the sign-in (access_denied)',
    });
  });

  it('treats a refused code exchange as a refused sign-in', () => {
    expect(toOidcError(bodyError(400)).code).toBe('oidc_rejected');
  });

  it("treats a 5xx from the token endpoint as the tenant's error: it answered", () => {
    expect(toOidcError(bodyError(503))).toMatchObject({
      code: 'tenant_error',
      message: 'the tenant answered 503',
    });
  });

  it('treats a network failure as an unreachable tenant', () => {
    expect(toOidcError(new TypeError('fetch failed')).code).toBe('tenant_unreachable');
  });
});

describe('logout', () => {
  it('sends the user to the tenant /v2/logout with the web client and a return to the web app', () => {
    const url = logoutUrl(testConfig(), 'https://link.example.com/');
    expect(url.href).toBe(
      'https://tenant.example.com/v2/logout?client_id=web-client&returnTo=https%3A%2F%2Flink.example.com%2F',
    );
  });
});
