import type { Context, Hono } from 'hono';
import {
  clearSnooze,
  declineSuggestion,
  type LinkingChoices,
  loadLinkingChoices,
  requireSuggestion,
  takeBackDecline,
} from './account-choices.ts';
import { mountAccountEmailCode } from './account-email-code.ts';
import { accountPage, isAccountNotice, signedOutPage } from './account-views.ts';
import type { WebConfig } from './config.ts';
import { failurePage } from './consent-views.ts';
import { csrfMatches, newCsrfToken } from './csrf.ts';
import type { EmailCodePort } from './email-code.ts';
import { isTenantFailure, type TenantFailure, WebError } from './errors.ts';
import {
  AccountChangeError,
  type LinkedPair,
  type LinkingDeps,
  linkFromAccountPage,
  unlinkFromAccountPage,
} from './link-account.ts';
import { type ManagedUser, managementFailure } from './management.ts';
import {
  finishAuthorization,
  logoutUrl,
  type OidcPort,
  type StartedAuthorization,
  startAuthorization,
} from './oidc.ts';
import { epochSeconds, finishReauthentication, startReauthentication } from './reauth.ts';
import { WEB_ROUTES } from './routes.ts';
import { sealedCookie } from './sealed-cookie.ts';
import type { WebEnv } from './security-headers.ts';
import { isRevoked, revocationPatch } from './session-revocation.ts';

export interface AccountDeps extends LinkingDeps {
  readonly oidc: OidcPort;
  /** "Email me a code" on a suggestion (web/account-email-code.ts); without it the page never offers it. */
  readonly emailCode?: EmailCodePort;
}

interface Session {
  readonly sub: string;
  /** The tenant session of the login (the ID token's `sid`): back-channel logout names it. */
  readonly sid: string;
  /** Milliseconds since the epoch; a revocation mark ends the sessions created at or before it. */
  readonly createdAt: number;
  readonly authTime: number;
  readonly csrf: string;
}

interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly fresh: boolean;
}

interface PendingLink {
  readonly sub: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly startedAt: number;
  /** The suggested account Link was clicked for: the re-authentication must sign in to exactly this one. */
  readonly target?: string;
}

/** Linking and unlinking need a login at most this old (OWASP: re-authenticate before sensitive changes). */
export const FRESH_LOGIN_SECONDS = 300;
export const SESSION_SECONDS = 8 * 3600;
const PENDING_SECONDS = 600;

type AccountContext = Context<WebEnv>;

export function mountAccount(app: Hono<WebEnv>, config: WebConfig, deps: AccountDeps): void {
  const secret = config.cookieSecret;
  const sessions = sealedCookie<Session>({
    name: 'session',
    path: '/',
    maxAgeSeconds: SESSION_SECONDS,
    secret,
  });
  const logins = sealedCookie<PendingLogin>({
    name: 'login',
    path: '/',
    maxAgeSeconds: PENDING_SECONDS,
    secret,
  });
  const links = sealedCookie<PendingLink>({
    name: 'account_link',
    path: WEB_ROUTES.accountLink,
    maxAgeSeconds: PENDING_SECONDS,
    secret,
  });

  async function readSession(c: AccountContext): Promise<Session | undefined> {
    const session = await sessions.readValid(c, deps.now());
    // A cookie from before sessions carried their tenant session cannot be ended by a logout: sign in again.
    if (session === undefined || typeof session.sid === 'string') return session;
    sessions.clear(c);
    return undefined;
  }

  /**
   * The user behind `session`, read from the Management API, unless a logout (here, on another instance, or at the
   * tenant) marked the session ended: the cookie is then cleared and the visitor signs in again.
   */
  async function liveUser(c: AccountContext, session: Session): Promise<ManagedUser | Response> {
    let user: ManagedUser;
    try {
      user = await deps.management.getUser(session.sub);
    } catch (error) {
      // Its user is gone: linked into another account (at a sign-in, or from this page in another browser) or
      // deleted. Signing in again lands on the primary: Auth0 answers a linked identity's login as the primary.
      if (managementFailure(error) === 'not_found') return endSession(c, session);
      return accountUnavailable(c, error);
    }
    return isRevoked(user.app_metadata, session) ? endSession(c, session) : user;
  }

  function endSession(c: AccountContext, session: Session): Response {
    sessions.clear(c);
    deps.log('account_session_ended', { sub: session.sub });
    return c.redirect(WEB_ROUTES.login, 303);
  }

  async function formWithSession(
    c: AccountContext,
  ): Promise<{ session: Session; user: ManagedUser; form: Record<string, unknown> } | Response> {
    const session = await readSession(c);
    const form = await c.req.parseBody();
    if (session === undefined) return c.redirect(WEB_ROUTES.login, 303);
    if (!csrfMatches(session.csrf, form.csrf)) return refused(c);
    const user = await liveUser(c, session);
    if (user instanceof Response) return user;
    return { session, user, form };
  }

  function isFresh(session: Session): boolean {
    return session.authTime >= epochSeconds(deps.now()) - FRESH_LOGIN_SECONDS;
  }

  function refused(c: AccountContext): Response {
    deps.log('account_failed', { code: 'csrf_invalid' });
    return c.html(
      failurePage({
        nonce: c.get('nonce'),
        heading: 'Request refused',
        message: 'This form was not sent from your account page, so it was refused.',
      }),
      403,
    );
  }

  const withNotice = (notice: string) => `${WEB_ROUTES.account}?notice=${notice}`;

  app.get('/', async (c) => {
    if (await readSession(c)) return c.redirect(WEB_ROUTES.account, 303);
    return c.html(signedOutPage(c.get('nonce')));
  });

  app.get(WEB_ROUTES.login, async (c) => {
    const fresh = c.req.query('fresh') === '1';
    let authorization: StartedAuthorization;
    try {
      authorization = await startAuthorization(deps.oidc, {
        client: 'web',
        redirectUri: `${config.webUrl}${WEB_ROUTES.loginCallback}`,
        ...(fresh ? { params: { prompt: 'login', max_age: '0' } } : {}),
      });
    } catch (error) {
      return unavailable(c, tenantFailureOf(error));
    }
    const { url, state, nonce, codeVerifier } = authorization;
    await logins.write(c, { state, nonce, codeVerifier, fresh }, deps.now());
    return c.redirect(url.href, 303);
  });

  app.get(WEB_ROUTES.loginCallback, async (c) => {
    const pending = await logins.readValid(c, deps.now());
    logins.clear(c);
    if (pending === undefined || !csrfMatches(pending.state, c.req.query('state'))) return refused(c);
    try {
      const callback = { webUrl: config.webUrl, path: WEB_ROUTES.loginCallback, requestUrl: c.req.url };
      const claims = await finishAuthorization(deps.oidc, 'web', callback, pending);
      const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : 0;
      // Auth0 always sends sid; without one, a session of its own that only this app's logout can end.
      const sid = typeof claims.sid === 'string' ? claims.sid : newCsrfToken();
      const createdAt = deps.now().getTime();
      await sessions.write(
        c,
        { sub: claims.sub, sid, createdAt, authTime, csrf: newCsrfToken() },
        deps.now(),
      );
      deps.log('account_login', { fresh: pending.fresh ? 1 : 0 });
    } catch (error) {
      if (error instanceof WebError && isTenantFailure(error.code)) return unavailable(c, error.code);
      return c.html(
        failurePage({
          nonce: c.get('nonce'),
          heading: 'Sign-in did not complete',
          message: 'The sign-in was cancelled or refused.',
        }),
        400,
      );
    }
    return c.redirect(pending.fresh ? withNotice('fresh') : WEB_ROUTES.account, 303);
  });

  app.post(WEB_ROUTES.logout, async (c) => {
    const checked = await formWithSession(c);
    if (checked instanceof Response) return checked;
    const { session, user } = checked;
    // Recorded before the cookie goes, so a copy of it taken earlier opens nothing afterwards, on any instance.
    const ended = revocationPatch(user.app_metadata, session, deps.now().getTime(), SESSION_SECONDS * 1000);
    try {
      await deps.management.updateUser(session.sub, { app_metadata: ended });
    } catch (error) {
      deps.log('account_failed', { code: managementFailure(error) });
      return c.html(
        failurePage({
          nonce: c.get('nonce'),
          heading: 'You are still signed in',
          message: 'We could not end your session on the server. Go back and sign out again in a moment.',
        }),
        502,
      );
    }
    sessions.clear(c);
    deps.log('account_logout', { sub: session.sub });
    return c.redirect(logoutUrl(config, `${config.webUrl}/`).href, 303);
  });

  app.get(WEB_ROUTES.account, async (c) => {
    const session = await readSession(c);
    if (session === undefined) return c.redirect(WEB_ROUTES.login, 303);
    const user = await liveUser(c, session);
    if (user instanceof Response) return user;
    const notice = c.req.query('notice');
    let choices: LinkingChoices | undefined;
    try {
      choices = await loadLinkingChoices(deps.management, user, deps.now());
    } catch (error) {
      deps.log('account_choices_unavailable', { code: managementFailure(error) });
    }
    return c.html(
      accountPage({
        nonce: c.get('nonce'),
        csrf: session.csrf,
        user,
        connections: config.linkConnections,
        ...(isAccountNotice(notice) ? { notice } : {}),
        ...(choices === undefined ? {} : { choices }),
        emailCode: (await deps.emailCode?.rules()) !== undefined,
      }),
    );
  });

  function accountUnavailable(c: AccountContext, error: unknown): Response {
    const failure = managementFailure(error);
    deps.log('account_failed', { code: failure });
    const rateLimited = failure === 'rate_limited';
    return c.html(
      failurePage({
        nonce: c.get('nonce'),
        heading: rateLimited ? 'Too many requests' : 'Your account could not be loaded',
        message: rateLimited
          ? 'The sign-in service is receiving too many requests. Wait a minute and reload.'
          : failure === 'unreachable'
            ? 'We could not reach the sign-in service. Please reload in a moment.'
            : 'The sign-in service could not answer just now. Please reload in a minute.',
      }),
      rateLimited ? 429 : 502,
    );
  }

  app.post(WEB_ROUTES.accountLink, async (c) => {
    const checked = await formWithSession(c);
    if (checked instanceof Response) return checked;
    const { session, user, form } = checked;
    let target: { connection: string; loginHint?: string | undefined; userId?: string };
    if (typeof form.user_id === 'string') {
      // A suggestion: its sign-in method and email come from the search made now, never from the form.
      let suggested: ManagedUser;
      try {
        suggested = await requireSuggestion(deps.management, user, form.user_id);
      } catch (error) {
        return changeRefused(c, error);
      }
      const connection = suggested.identities[0]?.connection ?? '';
      target = { connection, loginHint: suggested.email, userId: suggested.user_id };
    } else if (typeof form.connection === 'string' && config.linkConnections.includes(form.connection)) {
      target = { connection: form.connection };
    } else {
      return refused(c);
    }
    if (!isFresh(session)) return c.redirect(`${WEB_ROUTES.login}?fresh=1`, 303);
    let authorization: StartedAuthorization;
    try {
      authorization = await startReauthentication(
        deps.oidc,
        `${config.webUrl}${WEB_ROUTES.accountLinkCallback}`,
        target,
      );
    } catch (error) {
      return c.redirect(withNotice(tenantFailureOf(error)), 303);
    }
    const { url, state, nonce, codeVerifier } = authorization;
    const pending: PendingLink = {
      sub: session.sub,
      state,
      nonce,
      codeVerifier,
      startedAt: epochSeconds(deps.now()),
      ...(target.userId === undefined ? {} : { target: target.userId }),
    };
    await links.write(c, pending, deps.now());
    return c.redirect(url.href, 303);
  });

  app.get(WEB_ROUTES.accountLinkCallback, async (c) => {
    const session = await readSession(c);
    const pending = await links.readValid(c, deps.now());
    links.clear(c);
    if (session === undefined) return c.redirect(WEB_ROUTES.login, 303);
    if (
      pending === undefined ||
      pending.sub !== session.sub ||
      !csrfMatches(pending.state, c.req.query('state'))
    ) {
      return refused(c);
    }
    const live = await liveUser(c, session);
    if (live instanceof Response) return live;
    let otherSub: string;
    try {
      const callback = { webUrl: config.webUrl, path: WEB_ROUTES.accountLinkCallback, requestUrl: c.req.url };
      ({ sub: otherSub } = await finishReauthentication(deps.oidc, callback, pending, pending.target));
    } catch (error) {
      const code = error instanceof WebError ? error.code : 'oidc_rejected';
      deps.log('account_failed', { code });
      if (isTenantFailure(code)) return c.redirect(withNotice(code), 303);
      if (code === 'reauth_not_fresh' || code === 'reauth_wrong_account')
        return c.redirect(withNotice(code), 303);
      return c.redirect(withNotice('reauth_failed'), 303);
    }
    let pair: LinkedPair;
    try {
      // A suggestion is linked only while it still is one (not blocked, declined or linked meanwhile).
      if (pending.target !== undefined) await requireSuggestion(deps.management, live, pending.target);
      pair = await linkFromAccountPage(
        deps.management,
        deps.planMerge,
        { current: session.sub, other: otherSub },
        deps.now(),
        config.primaryPolicy,
      );
    } catch (error) {
      return changeRefused(c, error, 'account_link_refused');
    }
    return linked(c, session, pair);
  });

  /**
   * The answer to a link made here. When the other account became the primary, the signed-in user's id is now one
   * of its identities, so the session moves to the primary (Auth0 answers later logins of either identity as the
   * primary: no new login is needed). It starts anew for revocation: marks the primary already holds ended its own
   * earlier sessions, not this one.
   */
  async function linked(c: AccountContext, session: Session, pair: LinkedPair): Promise<Response> {
    deps.log('account_linked', { ...pair });
    if (pair.primary === session.sub) return c.redirect(withNotice('linked'), 303);
    const now = deps.now();
    await sessions.write(c, { ...session, sub: pair.primary, createdAt: now.getTime() }, now);
    const notice = config.primaryPolicy.kind === 'oldest' ? 'linked_to_older' : 'linked_to_main';
    return c.redirect(withNotice(notice), 303);
  }

  app.post(WEB_ROUTES.accountUnlink, async (c) => {
    const checked = await formWithSession(c);
    if (checked instanceof Response) return checked;
    const { session, form } = checked;
    const { provider, user_id } = form;
    if (typeof provider !== 'string' || typeof user_id !== 'string' || provider === '' || user_id === '') {
      return refused(c);
    }
    if (!isFresh(session)) return c.redirect(`${WEB_ROUTES.login}?fresh=1`, 303);
    let unlinkedId: string;
    try {
      ({ secondaryId: unlinkedId } = await unlinkFromAccountPage(deps.management, session.sub, {
        provider,
        user_id,
      }));
    } catch (error) {
      return changeRefused(c, error, 'account_unlink_refused');
    }
    deps.log('account_unlinked', { primary: session.sub, secondary: unlinkedId });
    return c.redirect(withNotice('unlinked'), 303);
  });

  /** The suggestion and decline forms act on the signed-in user's own record only, whatever id they name. */
  const ownRecordChanges = [
    { path: WEB_ROUTES.accountNotMine, notice: 'not_mine', change: declineSuggestion },
    { path: WEB_ROUTES.accountTakeBack, notice: 'decline_taken_back', change: takeBackDecline },
  ] as const;
  for (const { path, notice, change } of ownRecordChanges) {
    app.post(path, async (c) => {
      const checked = await formWithSession(c);
      if (checked instanceof Response) return checked;
      const { session, user, form } = checked;
      if (typeof form.user_id !== 'string' || form.user_id === '') return refused(c);
      try {
        await change(deps.management, user, form.user_id);
      } catch (error) {
        return changeRefused(c, error);
      }
      deps.log(`account_${notice}`, { user: session.sub, other: form.user_id });
      return c.redirect(withNotice(notice), 303);
    });
  }

  app.post(WEB_ROUTES.accountClearSnooze, async (c) => {
    const checked = await formWithSession(c);
    if (checked instanceof Response) return checked;
    try {
      await clearSnooze(deps.management, checked.user, deps.now());
    } catch (error) {
      return changeRefused(c, error);
    }
    deps.log('account_snooze_cleared', { user: checked.session.sub });
    return c.redirect(withNotice('snooze_cleared'), 303);
  });

  function changeRefused(c: AccountContext, error: unknown, event = 'account_change_refused'): Response {
    const notice = error instanceof AccountChangeError ? error.code : 'link_failed';
    deps.log(event, { code: notice });
    return c.redirect(withNotice(notice), 303);
  }

  if (deps.emailCode !== undefined) {
    mountAccountEmailCode(app, {
      ...deps,
      emailCode: deps.emailCode,
      cookieSecret: secret,
      primaryPolicy: config.primaryPolicy,
      formWithSession: async (c) => {
        const checked = await formWithSession(c);
        return checked instanceof Response ? checked : { ...checked, fresh: isFresh(checked.session) };
      },
      refused,
      changeRefused,
      linked: async (c, pair) => {
        const session = await readSession(c);
        return session === undefined ? c.redirect(WEB_ROUTES.login, 303) : linked(c, session, pair);
      },
    });
  }

  function unavailable(c: AccountContext, failure: TenantFailure): Response {
    return c.html(failurePage({ nonce: c.get('nonce'), ...SIGN_IN_UNAVAILABLE[failure] }), 502);
  }
}

/** A sign-in the tenant could not start or finish: it did not answer, or answered with its own error (a 5xx). */
const SIGN_IN_UNAVAILABLE: Readonly<Record<TenantFailure, { heading: string; message: string }>> = {
  tenant_unreachable: {
    heading: 'The sign-in service is unavailable',
    message: 'We could not reach the sign-in service. Please try again in a moment.',
  },
  tenant_error: {
    heading: 'The sign-in service had a problem',
    message: 'The sign-in service answered with an error. Please try again in a minute.',
  },
};

/** Starting a sign-in fails only at the tenant's discovery: its own error, or else it could not be reached. */
function tenantFailureOf(error: unknown): TenantFailure {
  return error instanceof WebError && isTenantFailure(error.code) ? error.code : 'tenant_unreachable';
}
