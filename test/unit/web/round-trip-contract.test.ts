import { describe, expect, it } from 'vitest';
import { browserBinding, sealLinkRequest } from '../../../core/link-request.ts';
import { decideContinue } from '../../../core/policy.ts';
import { encodeSessionToken, verifySessionToken } from '../../../emulator/actions-runtime/redirect-token.ts';
import { signLinkProof, verifyLinkRequest } from '../../../web/tokens.ts';
import { BROWSER, CANDIDATE, LOGIN, NOW, TEST_ENV } from './support.ts';

const secret = TEST_ENV.SESSION_TOKEN_SECRET;
const tenantHost = TEST_ENV.AUTH0_DOMAIN;

describe('consent round trip against the simulated Actions runtime', () => {
  it('opens a link request made by api.redirect.encodeToken and sealed, and returns its browser binding in the proof', async () => {
    const browser = browserBinding(secret, { userAgent: 'Firefox/128.0', ip: '198.51.100.7' });
    const token = encodeSessionToken(
      {
        secret,
        expiresInSeconds: 300,
        payload: { purpose: 'link-request', login: LOGIN, candidates: [CANDIDATE], browser },
      },
      { userId: 'google-oauth2|current', hostname: tenantHost, ip: '198.51.100.7', now: NOW.getTime() },
    );
    const sealed = sealLinkRequest(token, secret);
    const request = await verifyLinkRequest(sealed, { secret, issuer: tenantHost, now: NOW });
    expect(request).toEqual({
      sub: 'google-oauth2|current',
      login: { ...LOGIN, at: NOW.toISOString() },
      candidates: [CANDIDATE],
      browser,
    });
    const proof = await signLinkProof(
      { sub: request.sub, state: 'tenant-state-123', browser: request.browser, decision: 'not-now' },
      { secret, issuer: tenantHost, now: NOW },
    );
    const checked = verifySessionToken({
      token: proof,
      secret,
      issuer: tenantHost,
      expectedState: 'tenant-state-123',
      expectedSub: 'google-oauth2|current',
      now: NOW.getTime(),
    });
    if (!checked.valid) throw new Error(checked.reason);
    expect(decideContinue(checked.payload, { issuer: tenantHost, browser })).toEqual({ kind: 'not-now' });
  });

  it('signs a proof that api.redirect.validateToken accepts for the same user and state', async () => {
    const token = await signLinkProof(
      {
        sub: 'google-oauth2|current',
        state: 'tenant-state-123',
        browser: BROWSER,
        decision: 'link',
        linkedUserId: CANDIDATE.user_id,
      },
      { secret, issuer: tenantHost, now: NOW },
    );
    const result = verifySessionToken({
      token,
      secret,
      issuer: tenantHost,
      expectedState: 'tenant-state-123',
      expectedSub: 'google-oauth2|current',
      now: NOW.getTime() + 60_000,
    });
    expect(result).toMatchObject({
      valid: true,
      payload: { purpose: 'link-proof', linked_user_id: CANDIDATE.user_id },
    });
  });

  it('signs a proof that validateToken refuses for another /continue state', async () => {
    const token = await signLinkProof(
      { sub: 'google-oauth2|current', state: 'tenant-state-123', browser: BROWSER, decision: 'not-now' },
      { secret, issuer: tenantHost, now: NOW },
    );
    const result = verifySessionToken({
      token,
      secret,
      issuer: tenantHost,
      expectedState: 'other-state',
      expectedSub: 'google-oauth2|current',
      now: NOW.getTime(),
    });
    expect(result.valid).toBe(false);
  });
});
