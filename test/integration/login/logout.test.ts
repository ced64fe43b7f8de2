import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../../emulator/login/backchannel-logout.ts';
import { LoginDriver, locationOf } from '../../support/login-driver.ts';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';
import { managementClient } from '../management/helpers.ts';

const CALLBACK = 'https://app.test/callback';
const LOGGED_OUT = 'https://app.test/logged-out';

/** A back-channel logout endpoint: records each POST's content type and form body. */
interface Receiver {
  url: string;
  received: { contentType: string | undefined; form: URLSearchParams }[];
  close(): Promise<void>;
}

async function startReceiver(status = 200): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ contentType: request.headers['content-type'], form: new URLSearchParams(body) });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let tenant: TestTenant;
let receiver: Receiver;

useTestTenant(
  async (started) => {
    tenant = started;
    receiver = await startReceiver();
  },
  { reset: { all: true } },
);

afterAll(async () => {
  await receiver?.close();
});

beforeEach(() => {
  receiver.received.length = 0;
});

/** A regular web app registered with the real `auth0` SDK, seen through `openid-client`'s discovery. */
async function relyingParty(extra: Record<string, unknown> = {}) {
  const created = await managementClient(tenant).clients.create({
    name: `RP ${Math.random()}`,
    app_type: 'regular_web',
    callbacks: [CALLBACK],
    allowed_logout_urls: [LOGGED_OUT],
    ...extra,
  });
  const clientId = created.client_id ?? '';
  const config = await oidc.discovery(new URL(tenant.issuer), clientId, created.client_secret);
  return { clientId, config };
}

type RelyingParty = Awaited<ReturnType<typeof relyingParty>>;

/** Signs alice in through `rp` in `browser` (the tenant's login page, or its SSO session); returns the tokens. */
async function signIn(browser: LoginDriver, rp: RelyingParty) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  let location = locationOf(await browser.fetch(url), tenant.url);
  if (location.pathname === '/u/login') {
    const submitted = await browser.submitLoginPage(location, {
      connection: 'google-oauth2',
      email: 'alice@example.com',
      email_verified: 'true',
    });
    location = locationOf(submitted, tenant.url);
  }
  const tokens = await oidc.authorizationCodeGrant(rp.config, location, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  const claims = tokens.claims();
  if (claims === undefined) throw new Error('the tenant returned no ID token');
  return { idToken: tokens.id_token ?? '', claims };
}

async function isSignedIn(browser: LoginDriver, rp: RelyingParty): Promise<boolean> {
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    prompt: 'none',
  });
  return !locationOf(await browser.fetch(url), tenant.url).searchParams.has('error');
}

describe('sid and discovery', () => {
  it('advertises /oidc/logout and back-channel logout with sessions', async () => {
    const { config } = await relyingParty();
    expect(config.serverMetadata()).toMatchObject({
      end_session_endpoint: `${tenant.issuer}oidc/logout`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
  });

  it('puts the SSO session id in ID tokens: one sid for every application of the session', async () => {
    const browser = new LoginDriver(tenant);
    const first = await signIn(browser, await relyingParty());
    const second = await signIn(browser, await relyingParty());
    expect(typeof first.claims.sid).toBe('string');
    expect(second.claims.sid).toBe(first.claims.sid);
    const other = await signIn(new LoginDriver(tenant), await relyingParty());
    expect(other.claims.sid).not.toBe(first.claims.sid);
  });
});

describe('/oidc/logout (RP-initiated logout)', () => {
  it('ends the session and returns to the registered post_logout_redirect_uri with the state', async () => {
    const rp = await relyingParty();
    const browser = new LoginDriver(tenant);
    const { idToken } = await signIn(browser, rp);
    const url = oidc.buildEndSessionUrl(rp.config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: LOGGED_OUT,
      state: 'after-logout',
    });
    const out = await browser.fetch(url);
    expect(out.status).toBe(302);
    expect(locationOf(out, tenant.url).href).toBe(`${LOGGED_OUT}?state=after-logout`);
    expect(await isSignedIn(browser, rp)).toBe(false);
  });

  it.each([
    {
      refused: 'an unregistered post_logout_redirect_uri',
      endSession: async (rp: RelyingParty, idToken: string) =>
        oidc.buildEndSessionUrl(rp.config, {
          id_token_hint: idToken,
          post_logout_redirect_uri: 'https://evil.test/',
        }),
      shows: 'is not defined as a valid URL in &quot;Allowed Logout URLs&quot;',
    },
    {
      refused: 'an id_token_hint issued to another client than client_id',
      endSession: async (_rp: RelyingParty, idToken: string) => {
        const other = await relyingParty();
        const url = oidc.buildEndSessionUrl(other.config, { id_token_hint: idToken });
        url.searchParams.set('client_id', other.clientId);
        return url;
      },
      shows: 'The client_id does not match the aud claim of the id_token_hint.',
    },
    {
      refused: 'an id_token_hint this tenant did not sign',
      endSession: async (rp: RelyingParty, idToken: string) => {
        const [header, payload] = idToken.split('.');
        return oidc.buildEndSessionUrl(rp.config, { id_token_hint: `${header}.${payload}.forged` });
      },
      shows: 'The id_token_hint is not an ID token this tenant issued.',
    },
  ])('refuses $refused without redirecting, and keeps the session', async ({ endSession, shows }) => {
    const rp = await relyingParty();
    const browser = new LoginDriver(tenant);
    const { idToken } = await signIn(browser, rp);
    const out = await browser.fetch(await endSession(rp, idToken));
    expect(out.status).toBe(400);
    expect(out.headers.get('location')).toBeNull();
    expect(await out.text()).toContain(shows);
    expect(await isSignedIn(browser, rp)).toBe(true);
  });

  it('asks the person to confirm a logout that names no session, then logs out', async () => {
    const rp = await relyingParty();
    const browser = new LoginDriver(tenant);
    await signIn(browser, rp);
    const url = oidc.buildEndSessionUrl(rp.config, { post_logout_redirect_uri: LOGGED_OUT, state: 's1' });
    const prompt = await browser.fetch(url);
    const page = await prompt.text();
    expect(prompt.status).toBe(200);
    expect(page).toContain('Yes, log out');
    expect(await isSignedIn(browser, rp)).toBe(true);
    // A forged confirmation (another page posting the same form without the one-time value) is asked again.
    const forged = await browser.fetch('/oidc/logout', {
      method: 'POST',
      body: new URLSearchParams({ ...(await confirmationFields(browser, url)), confirm: 'guessed' }),
    });
    expect(forged.status).toBe(200);
    expect(await isSignedIn(browser, rp)).toBe(true);
    const confirmed = await browser.fetch('/oidc/logout', {
      method: 'POST',
      body: new URLSearchParams(await confirmationFields(browser, url)),
    });
    expect(locationOf(confirmed, tenant.url).href).toBe(`${LOGGED_OUT}?state=s1`);
    expect(await isSignedIn(browser, rp)).toBe(false);
  });
});

async function confirmationFields(browser: LoginDriver, url: URL): Promise<Record<string, string>> {
  const page = await (await browser.fetch(url)).text();
  return Object.fromEntries(
    [...page.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [
      m[1] ?? '',
      (m[2] ?? '').replaceAll('&amp;', '&'),
    ]),
  );
}

describe('/v2/logout', () => {
  it('refuses an unregistered returnTo with Auth0’s message and without ending the session', async () => {
    const rp = await relyingParty();
    const browser = new LoginDriver(tenant);
    await signIn(browser, rp);
    const out = await browser.fetch(
      `/v2/logout?client_id=${rp.clientId}&returnTo=${encodeURIComponent('https://evil.test/')}`,
    );
    expect(out.status).toBe(400);
    expect(out.headers.get('location')).toBeNull();
    expect(await out.text()).toContain(
      'The &quot;returnTo&quot; querystring parameter &quot;https://evil.test/&quot; is not defined as a valid URL',
    );
    expect(await isSignedIn(browser, rp)).toBe(true);
  });

  it('checks a returnTo without client_id against the tenant’s Allowed Logout URLs, ignoring its query', async () => {
    const rp = await relyingParty();
    await managementClient(tenant).tenants.settings.update({ allowed_logout_urls: [LOGGED_OUT] });
    const browser = new LoginDriver(tenant);
    await signIn(browser, rp);
    const out = await browser.fetch(`/v2/logout?returnTo=${encodeURIComponent(`${LOGGED_OUT}?from=app`)}`);
    expect(locationOf(out, tenant.url).href).toBe(`${LOGGED_OUT}?from=app`);
    expect(await isSignedIn(browser, rp)).toBe(false);
  });
});

describe('OIDC Back-Channel Logout', () => {
  it('keeps oidc_logout as the Management API was given it, and refuses a malformed one', async () => {
    const management = managementClient(tenant);
    const oidcLogout = {
      backchannel_logout_urls: ['https://app.test/backchannel-logout'],
      backchannel_logout_initiators: {
        mode: 'custom' as const,
        selected_initiators: ['rp-logout' as const, 'idp-logout' as const],
      },
    };
    const created = await management.clients.create({ name: 'Back-channel app', oidc_logout: oidcLogout });
    expect((await management.clients.get(created.client_id ?? '')).oidc_logout).toEqual(oidcLogout);
    const refused = await management.clients
      .update(created.client_id ?? '', { oidc_logout: { backchannel_logout_urls: ['ftp://app.test/'] } })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 400 });
  });

  it('POSTs each application of the ended session a signed logout token as a form', async () => {
    const notified = await relyingParty({ oidc_logout: { backchannel_logout_urls: [receiver.url] } });
    const silent = await relyingParty();
    const browser = new LoginDriver(tenant);
    const { idToken, claims } = await signIn(browser, notified);
    await signIn(browser, silent);
    await browser.fetch(oidc.buildEndSessionUrl(notified.config, { id_token_hint: idToken }));

    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(delivery?.contentType).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const token = delivery?.form.get('logout_token') ?? '';
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${tenant.issuer}.well-known/jwks.json`)),
      {
        issuer: tenant.issuer,
        audience: notified.clientId,
        algorithms: ['RS256'],
        typ: 'JWT',
        maxTokenAge: '2 minutes',
        requiredClaims: ['iat', 'exp', 'jti', 'sub', 'sid', 'events'],
      },
    );
    expect(payload).toMatchObject({
      sub: claims.sub,
      sid: claims.sid,
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    });
    expect(payload).not.toHaveProperty('nonce');
    expect(decodeProtectedHeader(token).kid).toBeTruthy();
    const events = await tenant.control.events({ type: 'backchannel_logout' });
    expect(events).toMatchObject([{ client_id: notified.clientId, url: receiver.url, status: 200 }]);
  });

  it('sends nothing for a session that already ended, and a fresh jti for each logout', async () => {
    const rp = await relyingParty({ oidc_logout: { backchannel_logout_urls: [receiver.url] } });
    const browser = new LoginDriver(tenant);
    await signIn(browser, rp);
    await browser.fetch(`/v2/logout?client_id=${rp.clientId}`);
    await browser.fetch(`/v2/logout?client_id=${rp.clientId}`);
    await signIn(browser, rp);
    await browser.fetch(`/v2/logout?client_id=${rp.clientId}`);
    const jtis = receiver.received.map(({ form }) => {
      const [, payload] = (form.get('logout_token') ?? '').split('.');
      return (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { jti: string }).jti;
    });
    expect(jtis).toHaveLength(2);
    expect(new Set(jtis).size).toBe(2);
  });
});
