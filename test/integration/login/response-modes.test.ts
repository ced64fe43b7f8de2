import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import {
  decodeJwtPayload,
  formPostFields,
  type LoginApp,
  LoginDriver,
  locationOf,
  registerApp,
  useLoginTenant,
  webMessageOf,
} from '../../support/login-driver.ts';

// auth0.com/docs/authenticate/protocols/oauth#how-response-settings-work (response_mode), and
// auth0.com/docs/get-started/authentication-and-authorization-flow/hybrid-flow (hybrid response types).
const ORIGIN = 'https://app.test';
const CALLBACK = `${ORIGIN}/callback`;

const site = useLoginTenant({ app: { callback: CALLBACK, web_origins: [ORIGIN] } });

async function openidClient(client: LoginApp): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(site.tenant.issuer), client.client_id, client.client_secret);
}

/** The browser's POST of a form_post page to the callback, as openid-client reads it. */
function postedCallback(html: string): Request {
  const { action, fields } = formPostFields(html);
  return new Request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

function sha256Half(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

/**
 * Where `/authorize` put its answer for the application: a form_post page's fields, a web_message page's response,
 * or the callback's query and fragment.
 */
async function answerOf(response: Response): Promise<Record<string, Record<string, string>>> {
  if (!response.headers.has('location')) {
    const html = await response.text();
    if (html.includes('<form method="post"')) return { form_post: formPostFields(html).fields };
    return { web_message: (webMessageOf(html).message as { response: Record<string, string> }).response };
  }
  const location = locationOf(response, site.tenant.url);
  return {
    query: Object.fromEntries(location.searchParams),
    fragment: Object.fromEntries(new URLSearchParams(location.hash.slice(1))),
  };
}

describe('discovery', () => {
  it('publishes the response types and modes Auth0 publishes', async () => {
    const document = (await (
      await fetch(`${site.tenant.issuer}.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(document.response_types_supported).toEqual([
      'code',
      'token',
      'id_token',
      'code token',
      'code id_token',
      'token id_token',
      'code token id_token',
    ]);
    expect(document.response_modes_supported).toEqual(['query', 'fragment', 'form_post']);
  });
});

describe('response_mode=form_post', () => {
  it('answers with a page that posts the code and state to the callback, which openid-client accepts', async () => {
    const browser = new LoginDriver(site.tenant);
    const { response, verifier } = await browser.submitLogin(site.app, 'github', 'alice@example.com', {
      response_mode: 'form_post',
    });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(html).toContain('onload="javascript:document.forms[0].submit()"');
    expect(formPostFields(html).action).toBe(CALLBACK);
    const tokens = await oidc.authorizationCodeGrant(await openidClient(site.app), postedCallback(html), {
      pkceCodeVerifier: verifier,
      expectedState: 'app-state',
      expectedNonce: 'app-nonce',
    });
    expect(tokens.claims()?.email).toBe('alice@example.com');
  });
});

describe('hybrid flows', () => {
  it('answers code id_token with an ID token carrying nonce and c_hash, which openid-client verifies', async () => {
    const browser = new LoginDriver(site.tenant);
    const { response, verifier } = await browser.submitLogin(site.app, 'github', 'alice@example.com', {
      response_type: 'code id_token',
      response_mode: 'form_post',
    });
    const html = await response.text();
    const { fields } = formPostFields(html);
    const front = decodeJwtPayload(fields.id_token ?? '');
    expect(front).toMatchObject({ nonce: 'app-nonce', c_hash: sha256Half(fields.code ?? '') });
    const config = await openidClient(site.app);
    oidc.useCodeIdTokenResponseType(config);
    const tokens = await oidc.authorizationCodeGrant(config, postedCallback(html), {
      pkceCodeVerifier: verifier,
      expectedState: 'app-state',
      expectedNonce: 'app-nonce',
    });
    expect(tokens.claims()?.sub).toBe(front.sub);
  });

  it('answers code token in the fragment by default, with an access token /userinfo accepts', async () => {
    const browser = new LoginDriver(site.tenant);
    const { response, verifier } = await browser.submitLogin(site.app, 'github', 'alice@example.com', {
      response_type: 'code token',
    });
    const location = locationOf(response, site.tenant.url);
    expect(location.search).toBe('');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(Object.fromEntries(fragment)).toMatchObject({ token_type: 'Bearer', state: 'app-state' });
    const userinfo = await fetch(`${site.tenant.url}/userinfo`, {
      headers: { authorization: `Bearer ${fragment.get('access_token')}` },
    });
    expect(((await userinfo.json()) as { email: string }).email).toBe('alice@example.com');
    const exchanged = await browser.exchange(site.app, new URL(`${CALLBACK}?${fragment}`), verifier);
    expect(exchanged.claims.email).toBe('alice@example.com');
  });

  it('hashes both the code and the access token into an ID token issued beside them', async () => {
    const { response } = await new LoginDriver(site.tenant).submitLogin(
      site.app,
      'github',
      'alice@example.com',
      {
        response_type: 'code token id_token',
      },
    );
    const fragment = new URLSearchParams(locationOf(response, site.tenant.url).hash.slice(1));
    expect(decodeJwtPayload(fragment.get('id_token') ?? '')).toMatchObject({
      c_hash: sha256Half(fragment.get('code') ?? ''),
      at_hash: sha256Half(fragment.get('access_token') ?? ''),
      nonce: 'app-nonce',
    });
  });
});

describe('response_mode=web_message', () => {
  it('posts login_required to the parent for prompt=none without a session, to the callback origin only', async () => {
    const { response } = await new LoginDriver(site.tenant).authorize(site.app, {
      response_mode: 'web_message',
      prompt: 'none',
    });
    expect(webMessageOf(await response.text())).toEqual({
      targetOrigin: ORIGIN,
      message: {
        type: 'authorization_response',
        response: { error: 'login_required', error_description: 'Login required', state: 'app-state' },
      },
    });
  });

  it('posts a code the application can exchange when the browser has a session', async () => {
    const browser = new LoginDriver(site.tenant);
    await browser.login(site.app, 'github', 'alice@example.com');
    const { response, verifier } = await browser.authorize(site.app, {
      response_mode: 'web_message',
      prompt: 'none',
    });
    const { message } = webMessageOf(await response.text());
    const { code } = (message as { response: { code: string } }).response;
    const { claims } = await browser.exchange(site.app, new URL(`${CALLBACK}?code=${code}`), verifier);
    expect(claims.email).toBe('alice@example.com');
  });

  it('refuses with a page, posting nothing, when the callback origin is not an Allowed Web Origin', async () => {
    const noOrigins = await registerApp(site.api, CALLBACK);
    const { response } = await new LoginDriver(site.tenant).authorize(noOrigins, {
      response_mode: 'web_message',
      prompt: 'none',
    });
    const html = await response.text();
    expect(response.status).toBe(400);
    expect(html).toContain('does not have a registered origin');
    expect(html).not.toContain('postMessage');
  });
});

describe('response_mode=query', () => {
  it('is the default for code and keeps the callback’s own query', async () => {
    const withQuery = await registerApp(site.api, `${CALLBACK}?tenant=a`);
    const { location } = await new LoginDriver(site.tenant).login(withQuery, 'github', 'alice@example.com', {
      response_mode: 'query',
    });
    expect(location.searchParams.get('tenant')).toBe('a');
    expect(location.searchParams.get('code')).not.toBeNull();
  });
});

describe('refusals', () => {
  // Each goes back in the requested response_mode when the response_type allows it, else in the type's default.
  it.each([
    {
      refused: 'an unknown response_type, in the requested form_post',
      params: { response_mode: 'form_post', response_type: 'code bogus' },
      answer: {
        form_post: {
          error: 'unsupported_response_type',
          error_description: 'Unsupported response type: code bogus',
          state: 'app-state',
        },
      },
    },
    {
      refused: 'prompt=none without a session, in the requested form_post',
      params: { response_mode: 'form_post', prompt: 'none' },
      answer: {
        form_post: { error: 'login_required', error_description: 'Login required', state: 'app-state' },
      },
    },
    {
      refused: 'a hybrid flow to a client without the implicit grant, in the requested form_post',
      grantTypes: ['authorization_code'],
      params: { response_mode: 'form_post', response_type: 'code id_token' },
      answer: {
        form_post: {
          error: 'unauthorized_client',
          error_description: "Grant type 'implicit' not allowed for the client.",
          state: 'app-state',
        },
      },
    },
    {
      refused: 'an ID token without a nonce, in the fragment',
      params: { response_type: 'code id_token', nonce: '' },
      answer: {
        query: {},
        fragment: {
          error: 'invalid_request',
          error_description: 'Nonce is required when response_type includes id_token',
          state: 'app-state',
        },
      },
    },
    {
      refused:
        'response_mode=query for a type with a token, in the fragment: tokens never travel in a query string',
      params: { response_type: 'code token', response_mode: 'query' },
      answer: {
        query: {},
        fragment: {
          error: 'invalid_request',
          error_description: 'response_mode=query is not allowed for response_type=code token',
          state: 'app-state',
        },
      },
    },
    {
      refused: 'an audience no API on the tenant has, in the query',
      params: { audience: 'https://nowhere.test/' },
      answer: {
        query: {
          error: 'access_denied',
          error_description: 'Service not found: https://nowhere.test/',
          state: 'app-state',
        },
        fragment: {},
      },
    },
  ])('refuses $refused', async ({ grantTypes, params, answer }) => {
    const client =
      grantTypes === undefined
        ? site.app
        : await registerApp(site.api, CALLBACK, { grant_types: grantTypes });
    const { response } = await new LoginDriver(site.tenant).authorize(client, params);
    expect(await answerOf(response)).toEqual(answer);
  });
});

describe('state the application chose', () => {
  it.each([
    { mode: 'form_post', state: '"/><input name="code" value="forged' },
    { mode: 'web_message', state: '</script><script>parent.postMessage("forged", "*")</script>' },
  ])('stays inside the $mode page, whatever it holds', async ({ mode, state }) => {
    const { response } = await new LoginDriver(site.tenant).authorize(site.app, {
      response_mode: mode,
      prompt: 'none',
      state,
    });
    expect(await answerOf(response)).toEqual({
      [mode]: { error: 'login_required', error_description: 'Login required', state },
    });
  });
});
