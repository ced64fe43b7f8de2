import {
  base64url,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import { expect } from 'vitest';
import { sealLinkRequest } from '../../../core/link-request.ts';
import { createWebApp, type WebDeps } from '../../../web/app.ts';
import { parseWebConfig, type WebConfig } from '../../../web/config.ts';
import type { EmailCodePort } from '../../../web/email-code.ts';
import type { WebError } from '../../../web/errors.ts';
import { createWebManagementClient } from '../../../web/management.ts';
import type { AuthorizationRequest, CodeExchange, IdTokenClaims, OidcPort } from '../../../web/oidc.ts';
import { InProcessTenant, type RouteName } from '../../support/in-process-tenant.ts';

export const TEST_ENV = {
  AUTH0_DOMAIN: 'tenant.example.com',
  WEB_URL: 'https://link.example.com',
  WEB_CLIENT_ID: 'web-client',
  WEB_CLIENT_SECRET: 'web-client-secret',
  REAUTH_CLIENT_ID: 'reauth-client',
  REAUTH_CLIENT_SECRET: 'reauth-client-secret',
  SESSION_TOKEN_SECRET: 'session-token-secret-0123456789-abcdef',
  COOKIE_SECRET: 'cookie-secret-0123456789-abcdefghijklmnop',
} as const;

export const NOW = new Date('2025-06-01T12:00:00Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export function testConfig(overrides: Record<string, string> = {}): WebConfig {
  return parseWebConfig({ ...TEST_ENV, ...overrides });
}

export class FakeOidc implements OidcPort {
  readonly authorizations: AuthorizationRequest[] = [];
  readonly exchanges: CodeExchange[] = [];
  claims: IdTokenClaims = { sub: 'auth0|candidate', auth_time: NOW_SECONDS };
  failure: WebError | undefined;

  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    if (this.failure) throw this.failure;
    this.authorizations.push(request);
    const url = new URL('https://tenant.example.com/authorize');
    url.searchParams.set('client_id', request.client === 'web' ? 'web-client' : 'reauth-client');
    url.searchParams.set('redirect_uri', request.redirectUri);
    url.searchParams.set('state', request.state);
    for (const [key, value] of Object.entries(request.params ?? {})) url.searchParams.set(key, value);
    return url;
  }

  async exchangeCode(exchange: CodeExchange): Promise<IdTokenClaims> {
    this.exchanges.push(exchange);
    if (this.failure) throw this.failure;
    return this.claims;
  }

  lastAuthorization(): AuthorizationRequest {
    const last = this.authorizations.at(-1);
    if (last === undefined) throw new Error('no authorization request was made');
    return last;
  }
}

/** The writes the web app sent the tenant, in order, as the tenant received them. */
function writesTo(tenant: InProcessTenant) {
  const to = (route: RouteName) => tenant.calls.filter((call) => call.route === route);
  const target = (path: string) => path.split('/').slice(4);
  return {
    updates: () => to('patch-user').map((call) => ({ userId: target(call.path)[0], patch: call.body })),
    links: () =>
      to('link').map((call) => ({
        primary: target(call.path)[0],
        ...(call.body as Record<string, unknown>),
      })),
    unlinks: () =>
      to('unlink').map((call) => {
        const [primary, , provider, user_id] = target(call.path);
        return { primary, provider, user_id };
      }),
  };
}

/** An in-process tenant whose Management client is the web app's (`config.webClient`). */
export function tenantFor(config: WebConfig = testConfig()): InProcessTenant {
  return new InProcessTenant({
    domain: config.auth0Domain,
    clientId: config.webClient.clientId,
    clientSecret: config.webClient.clientSecret,
  });
}

export interface TestAppOptions {
  readonly config?: WebConfig;
  readonly now?: () => Date;
  /** Another web app instance's tenant: instances share nothing else. */
  readonly tenant?: InProcessTenant;
  /** The keys logout tokens are checked against (`TenantKeys.jwks`). */
  readonly jwks?: JWTVerifyGetKey;
  readonly emailCode?: EmailCodePort;
}

export function makeTestApp(options: TestAppOptions = {}) {
  const oidc = new FakeOidc();
  const config = options.config ?? testConfig();
  const tenant = options.tenant ?? tenantFor(config);
  const logs: string[] = [];
  let now = options.now ?? (() => NOW);
  const deps: WebDeps = {
    oidc,
    management: createWebManagementClient(config, { fetch: tenant.fetch }),
    now: () => now(),
    log: (line) => logs.push(line),
    ...(options.jwks === undefined ? {} : { jwks: options.jwks }),
    ...(options.emailCode === undefined ? {} : { emailCode: options.emailCode }),
  };
  const app = createWebApp(config, deps);
  const jar = new CookieJar();
  return {
    app,
    config,
    oidc,
    tenant,
    ...writesTo(tenant),
    logs,
    jar,
    setNow(date: Date) {
      now = () => date;
    },
    async request(path: string, init: RequestInit = {}, useJar = true): Promise<Response> {
      const headers = new Headers(init.headers);
      if (useJar && jar.header()) headers.set('cookie', jar.header());
      const response = await app.request(`https://link.example.com${path}`, { ...init, headers });
      if (useJar) jar.store(response);
      return response;
    },
    /** A form post as a browser sends it from the web app's own page (same-origin fetch metadata). */
    async post(
      path: string,
      fields: Record<string, string>,
      useJar = true,
      headers: Record<string, string> = {},
    ): Promise<Response> {
      return this.request(
        path,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: 'https://link.example.com',
            'sec-fetch-site': 'same-origin',
            ...headers,
          },
          body: new URLSearchParams(fields).toString(),
        },
        useJar,
      );
    },
  };
}

export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface LinkRequestOptions {
  readonly secret?: string;
  readonly issuer?: string;
  readonly sub?: string;
  readonly purpose?: string;
  readonly expiresIn?: number;
  readonly iat?: number;
  readonly candidates?: unknown;
  readonly browser?: string;
  readonly login?: unknown;
  /** Replaces the consent request's own claims (purpose, candidates, browser, login): another sealed request. */
  readonly claims?: Record<string, unknown>;
}

/** The Action's binding of the browser the login came from (an opaque keyed hash to the web app). */
export const BROWSER = 'browser-binding-of-the-login';

export const CANDIDATE = {
  user_id: 'auth0|candidate',
  email: 'alice@example.com',
  connection: 'Username-Password-Authentication',
  created_at: '2023-03-04T05:06:07.000Z',
  primary: true,
};

/** The sign-in that asked, as the Action describes it in the link request. */
export const LOGIN = {
  connection: 'google-oauth2',
  email: 'alice@example.com',
  created_at: '2025-05-31T10:00:00.000Z',
};

/** A link request as the Action puts it in the consent URL: signed, then sealed with the shared secret. */
export async function linkRequestToken(options: LinkRequestOptions = {}): Promise<string> {
  return sealLinkRequest(await signedLinkRequest(options), TEST_ENV.SESSION_TOKEN_SECRET);
}

/** Signs a link request the way Auth0's api.redirect.encodeToken does (HS256, iss = tenant host). */
export async function signedLinkRequest(options: LinkRequestOptions = {}): Promise<string> {
  const iat = options.iat ?? NOW_SECONDS;
  return new SignJWT({
    ...(options.claims ?? {
      purpose: options.purpose ?? 'link-request',
      candidates: options.candidates ?? [CANDIDATE],
      browser: options.browser ?? BROWSER,
      login: options.login ?? LOGIN,
    }),
    ip: '127.0.0.1',
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setIssuer(options.issuer ?? TEST_ENV.AUTH0_DOMAIN)
    .setSubject(options.sub ?? 'google-oauth2|current')
    .setExpirationTime(iat + (options.expiresIn ?? 300))
    .sign(new TextEncoder().encode(options.secret ?? TEST_ENV.SESSION_TOKEN_SECRET));
}

export function consentUrl(token: string, state = 'tenant-state-123'): string {
  return `/consent?${new URLSearchParams({ session_token: token, state })}`;
}

/** Opens the consent page as the Action's redirect does: a sealed link request (`token`) and the tenant's state. */
export async function openConsent(t = makeTestApp(), token?: string) {
  const response = await t.request(consentUrl(token ?? (await linkRequestToken())));
  const body = await response.text();
  return { t, response, body, csrf: hiddenField(body, 'csrf') ?? '' };
}

export function hiddenField(body: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(body);
  return match?.[1];
}

export function formActions(body: string): string[] {
  return [...body.matchAll(/<form[^>]*action="([^"]*)"/g)].map((match) => match[1] ?? '');
}

/** The tenant's signing key as a test holds it: its JWKS for the web app, and logout tokens signed with it. */
export interface TenantKeys {
  readonly jwks: JWTVerifyGetKey;
  logoutToken(claims?: JWTPayload, options?: { iat?: number; drop?: string[] }): Promise<string>;
}

export const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Logout tokens as the tenant signs them (iss, aud = the web client, iat, exp, jti, sub, sid, events, no nonce). */
export async function tenantKeys(): Promise<TenantKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'tenant-key', alg: 'RS256' };
  return {
    jwks: createLocalJWKSet({ keys: [jwk] }),
    async logoutToken(claims = {}, options = {}) {
      const iat = options.iat ?? NOW_SECONDS;
      const payload: JWTPayload = {
        iss: `https://${TEST_ENV.AUTH0_DOMAIN}/`,
        aud: TEST_ENV.WEB_CLIENT_ID,
        iat,
        exp: iat + 120,
        jti: `jti-${Math.random()}`,
        sub: 'auth0|primary',
        sid: 'sid-1',
        events: { [BACKCHANNEL_EVENT]: {} },
        ...claims,
      };
      for (const claim of options.drop ?? []) delete payload[claim];
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'tenant-key' })
        .sign(privateKey);
    },
  };
}

/** The claims of a signed token, unverified. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1] ?? '')));
}

/** A page's words as a reader sees them: tags dropped, whitespace collapsed. */
export function pageText(body: string): string {
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,:?])/g, '$1');
}

/**
 * Checks that `response` sets the cookie `name` sealed (a five-part JWE), HttpOnly, Secure and SameSite=Lax, with
 * any other `attributes` (`Max-Age=600`, `Path=/consent`).
 */
export function expectSealedCookie(
  response: Response,
  name: string,
  attributes: readonly string[] = [],
): void {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
  expect(cookie?.split(';')[0]?.split('.')).toHaveLength(5);
  for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Lax', ...attributes])
    expect(cookie).toContain(attribute);
}
