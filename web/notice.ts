import type { Context, Hono } from 'hono';
import { isNoticeAnswer } from '../core/link-notice.ts';
import type { WebConfig } from './config.ts';
import { continuePage } from './consent-views.ts';
import { csrfMatches, newCsrfToken } from './csrf.ts';
import { noticeFailurePage, noticePage } from './notice-views.ts';
import { WEB_ROUTES } from './routes.ts';
import { sealedCookie } from './sealed-cookie.ts';
import type { WebEnv } from './security-headers.ts';
import {
  isOpaqueState,
  openRoundTrip,
  type SilentLinkNotice,
  signNoticeAnswer,
  verifyLinkNotice,
} from './tokens.ts';

export interface NoticeDeps {
  readonly now: () => Date;
  readonly log: (event: string, fields: Record<string, string | number>) => void;
}

interface NoticeState {
  readonly notice: SilentLinkNotice;
  readonly state: string;
  readonly csrf: string;
}

/** The tenant's pending /continue expires well before this. */
export const NOTICE_COOKIE_SECONDS = 600;

const MESSAGES = {
  token_expired: 'This notice is only valid for a few minutes, and this one is too old.',
  token_invalid: 'This notice could not be verified, so it cannot be answered.',
  cookie_invalid:
    'This page has expired or your browser did not keep our cookie (cookies must be enabled for this page).',
  csrf_invalid: 'This form was not sent from the notice page you opened, so it was refused.',
} as const;

type NoticeFailure = keyof typeof MESSAGES;

/**
 * `GET /notice`: the Action's notice of a silent link (LINK_NOTICE=page), with **OK** and **This wasn't me**;
 * `POST /notice` signs the answer and form-posts it to the tenant's /continue, where the Action acts on it. The
 * page needs no account session: the sealed notice, its browser binding and the transaction's single-use `state`
 * are the whole proof, as on the consent page (web/consent.ts), whose tokens and cookie it shares.
 */
export function mountNotice(app: Hono<WebEnv>, config: WebConfig, deps: NoticeDeps): void {
  const cookie = sealedCookie<NoticeState>({
    name: 'notice',
    path: WEB_ROUTES.notice,
    maxAgeSeconds: NOTICE_COOKIE_SECONDS,
    secret: config.cookieSecret,
  });
  const tokenContext = () => ({
    secret: config.sessionTokenSecret,
    issuer: config.auth0Domain,
    now: deps.now(),
  });

  function fail(c: Context<WebEnv>, code: NoticeFailure, status: 400 | 403, state?: string) {
    deps.log('notice_failed', { code });
    const nonce = c.get('nonce');
    // Posting only the state resumes the login; the Action then ends it as the account holding the identity.
    const continueLinked = isOpaqueState(state)
      ? { nonce, continueUrl: config.continueUrl, state }
      : undefined;
    return c.html(
      noticeFailurePage({ nonce, message: MESSAGES[code], ...(continueLinked ? { continueLinked } : {}) }),
      status,
    );
  }

  const readState = (c: Context<WebEnv>) => cookie.readValid(c, deps.now());

  app.get(WEB_ROUTES.notice, async (c) => {
    const opening = await openRoundTrip(c.req, (token) => verifyLinkNotice(token, tokenContext()));
    if (opening.kind === 'reload') {
      const saved = await readState(c);
      if (saved === undefined) return fail(c, 'cookie_invalid', 400);
      return c.html(
        noticePage({ nonce: c.get('nonce'), csrf: saved.csrf, notice: saved.notice, stripQuery: false }),
      );
    }
    if (opening.kind === 'refused') return fail(c, opening.code, 400, opening.state);
    const { request: notice, state } = opening;
    const saved: NoticeState = { notice, state, csrf: newCsrfToken() };
    await cookie.write(c, saved, deps.now());
    return c.html(noticePage({ nonce: c.get('nonce'), csrf: saved.csrf, notice, stripQuery: true }));
  });

  app.post(WEB_ROUTES.notice, async (c) => {
    const saved = await readState(c);
    const form = await c.req.parseBody();
    if (saved === undefined) return fail(c, 'cookie_invalid', 400);
    if (!csrfMatches(saved.csrf, form.csrf) || !isNoticeAnswer(form.decision)) {
      return fail(c, 'csrf_invalid', 403, saved.state);
    }
    const { notice, state } = saved;
    const sessionToken = await signNoticeAnswer(
      {
        sub: notice.sub,
        state,
        browser: notice.browser,
        decision: form.decision,
        primary: notice.primary.user_id,
        secondary: notice.secondary,
      },
      tokenContext(),
    );
    cookie.clear(c);
    deps.log('notice_answered', { decision: form.decision });
    const undo = form.decision === 'undo';
    return c.html(
      continuePage({
        nonce: c.get('nonce'),
        continueUrl: config.continueUrl,
        state,
        sessionToken,
        heading: undo ? 'Undoing the link' : 'Thanks',
        message: undo
          ? 'Finishing your sign-in: the accounts are being unlinked and each gets back what it had…'
          : 'Finishing your sign-in…',
      }),
    );
  });
}
