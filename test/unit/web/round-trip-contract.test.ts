import { describe, expect, it } from 'vitest';
import { browserBinding, sealLinkRequest } from '../../../core/link-request.ts';
import { decideContinue } from '../../../core/policy.ts';
import { encodeSessionToken, verifySessionToken } from '../../../emulator/actions-runtime/redirect-token.ts';
import { type LinkProof, signLinkProof, verifyLinkRequest } from '../../../web/tokens.ts';
import { BROWSER, CANDIDATE, LOGIN, NOW, TEST_ENV } from './support.ts';

const secret = TEST_ENV.SESSION_TOKEN_SECRET;
const tenantHost = TEST_ENV.AUTH0_DOMAIN;

/** The proof the consent page returns after Link, for the tenant's `state`. */
const LINK_PROOF: LinkProof = {
  sub: 'google-oauth2|current',
  state: 'tenant-state-123',
  browser: BROWSER,
  decision: 'link',
  linkedUserId: CANDIDATE.user_id,
};

/** Signs `proof` as the consent page does, then checks it as api.redirect.validateToken does at /continue. */
async function validatedAtContinue(proof: LinkProof, expectedState: string, atMs: number) {
  const token = await signLinkProof(proof, { secret, issuer: tenantHost, now: NOW });
  return verifySessionToken({
    token,
    secret,
    issuer: tenantHost,
    expectedState,
    expectedSub: proof.sub,
    now: atMs,
  });
}

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
    const checked = await validatedAtContinue(
      { sub: request.sub, state: 'tenant-state-123', browser: request.browser, decision: 'not-now' },
      'tenant-state-123',
      NOW.getTime(),
    );
    if (!checked.valid) throw new Error(checked.reason);
    expect(decideContinue(checked.payload, { issuer: tenantHost, browser })).toEqual({ kind: 'not-now' });
  });

  it.each([
    [
      'accepts for the same user and state, a minute later',
      'tenant-state-123',
      NOW.getTime() + 60_000,
      { valid: true, payload: { purpose: 'link-proof', linked_user_id: CANDIDATE.user_id } },
    ],
    ['refuses for another /continue state', 'other-state', NOW.getTime(), { valid: false }],
  ])('signs a proof that api.redirect.validateToken %s', async (_, expectedState, atMs, expected) => {
    expect(await validatedAtContinue(LINK_PROOF, expectedState, atMs)).toMatchObject(expected);
  });
});
