import type { Context, Hono } from 'hono';
import type { PrimaryPolicy } from '../core/config.ts';
import { requireSuggestion } from './account-choices.ts';
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
import { isTenantFailure, WebError } from './errors.ts';
import { type LinkedPair, type LinkingDeps, linkFromAccountPage } from './link-account.ts';
import type { ManagedUser } from './management.ts';
import { WEB_ROUTES } from './routes.ts';
import { type SealedCookie, sealedCookie } from './sealed-cookie.ts';
import type { WebEnv } from './security-headers.ts';

type AccountContext = Context<WebEnv>;

/** A code emailed for a suggestion's Link, bound to the signed-in user and this browser (its own sealed cookie). */
interface PendingAccountCode extends SentCode {
  readonly sub: string;
  /** The suggestion being proved; its address came from the tenant's search, never from the form. */
  readonly target: string;
}

export interface AccountEmailCodeDeps extends LinkingDeps {
  readonly emailCode: EmailCodePort;
  readonly cookieSecret: string;
  /**
   * The account page's checks of a form (signed in, CSRF token, live user; or the response refusing it), and whether
   * the login is fresh enough to link.
   */
  readonly formWithSession: (c: AccountContext) => Promise<
    | {
        session: { readonly sub: string; readonly csrf: string };
        fresh: boolean;
        user: ManagedUser;
        form: Record<string, unknown>;
      }
    | Response
  >;
  readonly refused: (c: AccountContext) => Response;
  readonly changeRefused: (c: AccountContext, error: unknown, event?: string) => Response;
  /** The account page's answer to a link made (the session moves when the other account became the primary). */
  readonly linked: (c: AccountContext, pair: LinkedPair) => Promise<Response>;
  readonly primaryPolicy: PrimaryPolicy;
}

const PENDING_SECONDS = 600;

/**
 * "Email me a code" on a suggestion (POST `WEB_ROUTES.accountLinkEmailCode`): without `action` it sends a code to the
 * suggestion's address; `action=verify` with `code` links it when the code proves that address; `action=resend`.
 */
export function mountAccountEmailCode(app: Hono<WebEnv>, deps: AccountEmailCodeDeps): void {
  const codes: SealedCookie<PendingAccountCode> = sealedCookie<PendingAccountCode>({
    name: 'account_email_code',
    path: WEB_ROUTES.accountLinkEmailCode,
    maxAgeSeconds: PENDING_SECONDS,
    secret: deps.cookieSecret,
  });
  const linked = (notice: string) => `${WEB_ROUTES.account}?notice=${notice}`;
  const codePage = emailCodePages(
    { action: WEB_ROUTES.accountLinkEmailCode, back: WEB_ROUTES.account },
    deps.now,
  );

  /** Sends a code to `to`: the first, or a new one `replacing` the pending one (`sendNewCode`). */
  async function send(
    c: AccountContext,
    csrf: string,
    to: Pick<PendingAccountCode, 'sub' | 'target' | 'email'>,
    replacing?: PendingAccountCode,
  ) {
    let sent: SentCode | undefined;
    try {
      sent = await sendNewCode(deps.emailCode, to.email, replacing, deps.now, PENDING_SECONDS);
    } catch (error) {
      const failure = error instanceof WebError ? error.code : 'tenant_unreachable';
      deps.log('account_failed', { code: failure });
      return c.redirect(linked(isTenantFailure(failure) ? failure : 'reauth_failed'), 303);
    }
    if (sent === undefined) return deps.refused(c);
    const pending = { ...sent, sub: to.sub, target: to.target };
    return show(c, csrf, pending, replacing === undefined ? 'sent' : 'resent');
  }

  async function show(c: AccountContext, csrf: string, pending: PendingAccountCode, status: EmailCodeStatus) {
    await codes.write(c, pending, deps.now());
    return codePage(c, csrf, pending, status);
  }

  app.post(WEB_ROUTES.accountLinkEmailCode, async (c) => {
    const checked = await deps.formWithSession(c);
    if (checked instanceof Response) return checked;
    const { session, fresh, user, form } = checked;
    if (!fresh) return c.redirect(`${WEB_ROUTES.login}?fresh=1`, 303);
    if (form.action === undefined) {
      if (typeof form.user_id !== 'string') return deps.refused(c);
      let suggested: ManagedUser;
      try {
        suggested = await requireSuggestion(deps.management, user, form.user_id);
      } catch (error) {
        return deps.changeRefused(c, error);
      }
      if (suggested.email === undefined) return deps.refused(c);
      return send(c, session.csrf, { sub: session.sub, target: suggested.user_id, email: suggested.email });
    }
    const pending = await codes.read(c, deps.now()).catch(() => undefined);
    if (pending === undefined || pending.sub !== session.sub) return deps.refused(c);
    if (form.action === 'resend') return send(c, session.csrf, pending, pending);
    if (form.action !== 'verify') return deps.refused(c);
    let tried: CodeCheck<PendingAccountCode>;
    try {
      tried = await checkEmailCode(deps.emailCode, pending, form.code, deps.now());
    } catch (error) {
      const failure = error instanceof WebError ? error.code : 'tenant_unreachable';
      deps.log('account_failed', { code: failure });
      codes.clear(c);
      if (isTenantFailure(failure)) return c.redirect(linked(failure), 303);
      return c.redirect(
        linked(failure === 'email_code_wrong_address' ? 'reauth_wrong_account' : 'reauth_failed'),
        303,
      );
    }
    if (tried.kind === 'wrong') {
      if (tried.counted) deps.log('account_failed', { code: 'email_code_wrong' });
      return show(c, session.csrf, tried.sent, 'wrong');
    }
    const { codeUser } = tried;
    codes.clear(c);
    let pair: LinkedPair;
    try {
      // Linked only while it still is a suggestion (not blocked, declined or linked meanwhile).
      await requireSuggestion(deps.management, user, pending.target);
      const ids = { current: session.sub, other: pending.target };
      pair = await linkFromAccountPage(deps.management, deps.planMerge, ids, deps.now(), deps.primaryPolicy);
    } catch (error) {
      return deps.changeRefused(c, error, 'account_link_refused');
    }
    const at = deps.now();
    await linkEmailCodeUser(
      deps,
      { primary: pair.primary, codeUser, proved: pending.target, at },
      'account_page',
    );
    return deps.linked(c, pair);
  });
}
