import type { Context, Hono } from 'hono';
import type { ConsentAnswer } from '../core/policy.ts';
import type { WebConfig } from './config.ts';
import { consentPage, continuePage, failurePage } from './consent-views.ts';
import { csrfMatches, newCsrfToken } from './csrf.ts';
import {
  type CodeCheck,
  checkEmailCode,
  type EmailCodePort,
  emailCodePages,
  linkEmailCodeUser,
  type SentCode,
  sendNewCode,
} from './email-code.ts';
import type { EmailCodeStatus } from './email-code-views.ts';
import { isTenantFailure, WebError, type WebErrorCode } from './errors.ts';
import type { LinkingDeps } from './link-account.ts';
import type { OidcPort, StartedAuthorization } from './oidc.ts';
import { epochSeconds, finishReauthentication, startReauthentication } from './reauth.ts';
import { WEB_ROUTES } from './routes.ts';
import { type SealedCookie, sealedCookie } from './sealed-cookie.ts';
import type { WebEnv } from './security-headers.ts';
import {
  isOpaqueState,
  type LinkCandidate,
  type LinkRequestLogin,
  openRoundTrip,
  signLinkProof,
  verifyLinkRequest,
} from './tokens.ts';

/** `management` links the `email|` user an emailed code signs in (docs/consent-email-code.md). */
export interface ConsentDeps extends LinkingDeps {
  readonly oidc: OidcPort;
  readonly emailCode?: EmailCodePort;
}

interface PendingReauth {
  readonly candidateId: string;
  readonly oidcState: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly startedAt: number;
}

/** A code emailed to a candidate's address, bound to this consent round trip (and so to this browser). */
interface PendingEmailCode extends SentCode {
  readonly candidateId: string;
  /** The candidate's address from the Action's signed request: never one the browser sent. */
  readonly email: string;
}

interface ConsentState {
  readonly sub: string;
  readonly state: string;
  readonly browser: string;
  readonly login: LinkRequestLogin;
  readonly candidates: readonly LinkCandidate[];
  readonly csrf: string;
  readonly requestedAt: number;
  readonly reauth?: PendingReauth | undefined;
  readonly emailCode?: PendingEmailCode | undefined;
}

/** Long enough to sign in to the other account; the tenant's pending /continue expires anyway. */
export const CONSENT_COOKIE_SECONDS = 600;

type ConsentContext = Context<WebEnv>;

export function mountConsent(app: Hono<WebEnv>, config: WebConfig, deps: ConsentDeps): void {
  const cookie: SealedCookie<ConsentState> = sealedCookie<ConsentState>({
    name: 'consent',
    path: WEB_ROUTES.consent,
    maxAgeSeconds: CONSENT_COOKIE_SECONDS,
    secret: config.cookieSecret,
  });
  const tokenContext = () => ({
    secret: config.sessionTokenSecret,
    issuer: config.auth0Domain,
    now: deps.now(),
  });

  const readState = (c: ConsentContext) => cookie.readValid(c, deps.now());
  const codePage = emailCodePages({ action: WEB_ROUTES.consentCode, back: WEB_ROUTES.consent }, deps.now);

  /** Keeps `consent` in the round-trip cookie and shows it; `stripQuery` when the page came with the token. */
  async function showConsent(c: ConsentContext, consent: ConsentState, stripQuery: boolean) {
    await cookie.write(c, consent, deps.now());
    return c.html(
      consentPage({
        nonce: c.get('nonce'),
        csrf: consent.csrf,
        login: consent.login,
        candidates: consent.candidates,
        stripQuery,
        emailCode: (await deps.emailCode?.rules()) !== undefined,
      }),
    );
  }

  /** With the round-trip state known, the page offers a signed not-now return so the login still completes. */
  async function fail(
    c: ConsentContext,
    code: WebErrorCode,
    status: 400 | 403 | 502,
    consent?: ConsentState,
  ) {
    deps.log('consent_failed', { code });
    const { heading, message } = describeFailure(code);
    const continueUnlinked = consent
      ? {
          nonce: c.get('nonce'),
          continueUrl: config.continueUrl,
          state: consent.state,
          sessionToken: await signLinkProof(
            { sub: consent.sub, state: consent.state, browser: consent.browser, decision: 'not-now' },
            tokenContext(),
          ),
        }
      : undefined;
    return c.html(
      failurePage({
        nonce: c.get('nonce'),
        heading,
        message,
        retry: consent !== undefined && code !== 'cookie_invalid',
        ...(continueUnlinked ? { continueUnlinked } : {}),
      }),
      status,
    );
  }

  async function returnToTenant(
    c: ConsentContext,
    consent: ConsentState,
    decision: ConsentAnswer,
    linkedUserId?: string,
  ) {
    const sessionToken = await signLinkProof(
      {
        sub: consent.sub,
        state: consent.state,
        browser: consent.browser,
        decision,
        ...(linkedUserId ? { linkedUserId } : {}),
      },
      tokenContext(),
    );
    cookie.clear(c);
    deps.log('consent_returned', { decision });
    const heading = decision === 'link' ? 'Account confirmed' : 'Continuing your sign-in';
    const message =
      decision === 'link'
        ? 'Thanks, that account is yours. Finishing your sign-in and linking the accounts…'
        : 'Nothing was linked. Finishing your sign-in…';
    return c.html(
      continuePage({
        nonce: c.get('nonce'),
        continueUrl: config.continueUrl,
        state: consent.state,
        sessionToken,
        heading,
        message,
      }),
    );
  }

  app.get(WEB_ROUTES.consent, async (c) => {
    const opening = await openRoundTrip(c.req, (token) => verifyLinkRequest(token, tokenContext()));
    if (opening.kind === 'reload') {
      const consent = await readState(c);
      if (consent === undefined) return fail(c, 'cookie_invalid', 400);
      return showConsent(c, { ...consent, reauth: undefined, emailCode: undefined }, false);
    }
    if (opening.kind === 'refused') return unlinkedWithoutProof(c, opening.code, opening.state);
    const { request, state } = opening;
    const consent: ConsentState = {
      sub: request.sub,
      state,
      browser: request.browser,
      login: request.login,
      candidates: request.candidates,
      csrf: newCsrfToken(),
      requestedAt: epochSeconds(deps.now()),
    };
    return showConsent(c, consent, true);
  });

  // Without a trustworthy `sub` no proof can be signed; posting only the tenant's `state`
  // resumes the login, and the Action treats a missing session_token as "continue unlinked".
  function unlinkedWithoutProof(c: ConsentContext, code: WebErrorCode, state: string | undefined) {
    deps.log('consent_failed', { code });
    const { heading, message } = describeFailure(code);
    const nonce = c.get('nonce');
    return c.html(
      failurePage({
        nonce,
        heading,
        message,
        ...(isOpaqueState(state)
          ? { continueUnlinked: { nonce, continueUrl: config.continueUrl, state } }
          : {}),
      }),
      400,
    );
  }

  /** A form posted from the consent page: its round-trip state and fields once the cookie and CSRF token check out. */
  async function postedForm(
    c: ConsentContext,
  ): Promise<{ consent: ConsentState; form: Record<string, unknown> } | Response> {
    const consent = await readState(c);
    const form = await c.req.parseBody();
    if (consent === undefined) return fail(c, 'cookie_invalid', 400);
    if (!csrfMatches(consent.csrf, form.csrf)) return fail(c, 'csrf_invalid', 403);
    return { consent, form };
  }

  app.post(WEB_ROUTES.consent, async (c) => {
    const posted = await postedForm(c);
    if (posted instanceof Response) return posted;
    const { consent, form } = posted;
    const decision = form.decision;
    if (decision === 'not-now' || decision === 'never') return returnToTenant(c, consent, decision);
    if (decision !== 'link' && decision !== 'email-code') return fail(c, 'csrf_invalid', 403, consent);
    const candidate = consent.candidates.find((entry) => entry.user_id === form.candidate);
    if (candidate === undefined) return fail(c, 'csrf_invalid', 403, consent);
    if (decision === 'email-code') {
      return sendEmailCode(c, { ...consent, reauth: undefined }, candidate.user_id, candidate.email);
    }
    let authorization: StartedAuthorization;
    try {
      authorization = await startReauthentication(
        deps.oidc,
        `${config.webUrl}${WEB_ROUTES.consentCallback}`,
        {
          connection: candidate.connection,
          loginHint: candidate.email,
        },
      );
    } catch (error) {
      return fail(c, error instanceof WebError ? error.code : 'tenant_unreachable', 502, consent);
    }
    const reauth: PendingReauth = {
      candidateId: candidate.user_id,
      oidcState: authorization.state,
      nonce: authorization.nonce,
      codeVerifier: authorization.codeVerifier,
      startedAt: epochSeconds(deps.now()),
    };
    await cookie.write(c, { ...consent, reauth }, deps.now());
    return c.redirect(authorization.url.href, 303);
  });

  /** Sends a code: the first, or a new one replacing `consent.emailCode` (`sendNewCode`). */
  async function sendEmailCode(c: ConsentContext, consent: ConsentState, candidateId: string, email: string) {
    if (deps.emailCode === undefined) return fail(c, 'csrf_invalid', 403, consent);
    let sent: SentCode | undefined;
    try {
      sent = await sendNewCode(deps.emailCode, email, consent.emailCode, deps.now, CONSENT_COOKIE_SECONDS);
    } catch (error) {
      const code = error instanceof WebError ? error.code : 'tenant_unreachable';
      return fail(c, code, isTenantFailure(code) ? 502 : 400, consent);
    }
    if (sent === undefined) return fail(c, 'csrf_invalid', 403, consent);
    const resent = consent.emailCode !== undefined;
    const pending: PendingEmailCode = { ...sent, candidateId };
    deps.log('consent_email_code_sent', { resent: resent ? 1 : 0 });
    return showEmailCode(c, { ...consent, emailCode: pending }, resent ? 'resent' : 'sent');
  }

  async function showEmailCode(c: ConsentContext, consent: ConsentState, status: EmailCodeStatus) {
    const pending = consent.emailCode;
    if (pending === undefined) return fail(c, 'csrf_invalid', 403, consent);
    await cookie.write(c, consent, deps.now());
    return codePage(c, consent.csrf, pending, status);
  }

  app.post(WEB_ROUTES.consentCode, async (c) => {
    const posted = await postedForm(c);
    if (posted instanceof Response) return posted;
    const { consent, form } = posted;
    const pending = consent.emailCode;
    const emailCode = deps.emailCode;
    if (pending === undefined || emailCode === undefined) return fail(c, 'csrf_invalid', 403, consent);
    if (form.action === 'resend') return sendEmailCode(c, consent, pending.candidateId, pending.email);
    if (form.action !== 'verify') return fail(c, 'csrf_invalid', 403, consent);
    const retryable = { ...consent, emailCode: undefined };
    let tried: CodeCheck<PendingEmailCode>;
    try {
      tried = await checkEmailCode(emailCode, pending, form.code, deps.now());
    } catch (error) {
      const failure = error instanceof WebError ? error.code : 'tenant_unreachable';
      await cookie.write(c, retryable, deps.now());
      return fail(c, failure, isTenantFailure(failure) ? 502 : 400, retryable);
    }
    if (tried.kind === 'wrong') {
      if (tried.counted) deps.log('consent_failed', { code: 'email_code_wrong' });
      return showEmailCode(c, { ...consent, emailCode: tried.sent }, 'wrong');
    }
    const { codeUser } = tried;
    const candidate = consent.candidates.find((entry) => entry.user_id === pending.candidateId);
    await linkEmailCodeUser(
      deps,
      {
        primary: candidate?.primary === true ? pending.candidateId : consent.sub,
        codeUser,
        proved: pending.candidateId,
        at: deps.now(),
      },
      'consent',
    );
    return returnToTenant(c, consent, 'link', pending.candidateId);
  });

  app.get(WEB_ROUTES.consentCallback, async (c) => {
    const consent = await readState(c);
    if (consent === undefined) return fail(c, 'cookie_invalid', 400);
    const reauth = consent.reauth;
    if (reauth === undefined || !csrfMatches(reauth.oidcState, c.req.query('state'))) {
      return fail(c, 'csrf_invalid', 403, consent);
    }
    const retryable = { ...consent, reauth: undefined };
    await cookie.write(c, retryable, deps.now());
    const callback = { webUrl: config.webUrl, path: WEB_ROUTES.consentCallback, requestUrl: c.req.url };
    try {
      await finishReauthentication(
        deps.oidc,
        callback,
        { ...reauth, state: reauth.oidcState },
        reauth.candidateId,
      );
    } catch (error) {
      const code = error instanceof WebError ? error.code : 'oidc_rejected';
      return fail(c, code, isTenantFailure(code) ? 502 : 400, retryable);
    }
    return returnToTenant(c, consent, 'link', reauth.candidateId);
  });
}

const FAILURES: Partial<Record<WebErrorCode, { heading: string; message: string }>> = {
  token_expired: {
    heading: 'This link has expired',
    message: 'The account-linking request is only valid for a few minutes, and this one is too old.',
  },
  token_invalid: {
    heading: 'This link is not valid',
    message: 'The account-linking request could not be verified, so nothing can be linked from it.',
  },
  cookie_invalid: {
    heading: 'Your linking session has ended',
    message:
      'This page has expired or your browser did not keep our cookie (cookies must be enabled for this page).',
  },
  csrf_invalid: {
    heading: 'Request refused',
    message: 'This form was not sent from the account-linking page you opened, so it was refused.',
  },
  reauth_wrong_account: {
    heading: 'That was a different account',
    message:
      'Sign in with the account you want to link. You signed in to another account, so nothing was linked.',
  },
  reauth_not_fresh: {
    heading: 'Please sign in again',
    message:
      'The other account was not signed in just now, so it cannot prove ownership. Nothing was linked.',
  },
  oidc_rejected: {
    heading: 'Sign-in did not complete',
    message: 'Signing in to the other account was cancelled or refused, so nothing was linked.',
  },
  email_code_wrong_address: {
    heading: 'That code was for another address',
    message: 'The code did not prove the address of the account to link, so nothing was linked.',
  },
  tenant_unreachable: {
    heading: 'The sign-in service is unavailable',
    message: 'We could not reach the sign-in service, so nothing was linked. Please try again in a moment.',
  },
  tenant_error: {
    heading: 'The sign-in service had a problem',
    message:
      'The sign-in service answered with an error, so nothing was linked. Please try again in a minute.',
  },
};

export function describeFailure(code: WebErrorCode): { heading: string; message: string } {
  return (
    FAILURES[code] ?? {
      heading: 'Something went wrong',
      message: 'Nothing was linked.',
    }
  );
}
