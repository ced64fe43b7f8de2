import { hiddenField, type makeTestApp, NOW_SECONDS } from './support.ts';

type TestApp = ReturnType<typeof makeTestApp>;

/**
 * Signs `sub` in to the account page (a login `authTime` seconds since the epoch, in tenant session `sid` when given)
 * and reads the page once.
 */
export async function signInAs(t: TestApp, sub: string, authTime = NOW_SECONDS, sid?: string) {
  await t.request('/login');
  const { state } = t.oidc.lastAuthorization();
  t.oidc.claims = { sub, auth_time: authTime, ...(sid === undefined ? {} : { sid }) };
  const response = await t.request(`/callback?code=login-code&state=${state}`);
  const page = await (await t.request('/account')).text();
  return { t, response, csrf: hiddenField(page, 'csrf') ?? '', page };
}
