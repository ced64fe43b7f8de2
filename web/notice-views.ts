import { type ContinueView, connectionLabel, continueForm, when } from './consent-views.ts';
import { csrfField, html, page } from './html.ts';
import { maskEmail } from './mask.ts';
import { WEB_ROUTES } from './routes.ts';
import type { SilentLinkNotice } from './tokens.ts';

export interface NoticeView {
  readonly nonce: string;
  readonly csrf: string;
  readonly notice: SilentLinkNotice;
  readonly stripQuery: boolean;
}

/** The sign-in that just happened: the added one, or the main account's own. */
export function loginConnection(notice: SilentLinkNotice): string {
  return notice.sub === notice.secondary ? notice.linked.connection : notice.primary.connection;
}

/**
 * Tells of a link already made, in words true for whoever reads it (the request names the sign-in and when), and
 * offers the two answers as POST forms to itself.
 */
export function noticePage(view: NoticeView): string {
  const { notice } = view;
  const linked = connectionLabel(notice.linked.connection);
  const main = connectionLabel(notice.primary.connection);
  const heading = `We linked your ${linked} sign-in to your account`;
  const body = html`
<h1>${heading}</h1>
<p>On ${when(notice.at)} a sign-in found two accounts with the same verified email address,
<strong>${maskEmail(notice.email)}</strong>, and linked them: signing in with ${linked} or with ${main} now opens the
same account. The ${main} account stays the main one.</p>
<div class="actions">
<form method="post" action="${WEB_ROUTES.notice}">
${csrfField(view.csrf)}
<input type="hidden" name="decision" value="keep">
<button class="primary" type="submit">OK</button>
</form>
<form method="post" action="${WEB_ROUTES.notice}">
${csrfField(view.csrf)}
<input type="hidden" name="decision" value="undo">
<button class="danger" type="submit">This wasn't me</button>
</form>
</div>
<p class="muted">Choose <em>This wasn't me</em> if you do not recognise the other account: the link is undone, each
account gets back what it had, they are never linked again, and you continue signed in with
${connectionLabel(loginConnection(notice))} on its own.</p>`;
  return page({
    title: heading,
    nonce: view.nonce,
    body,
    ...(view.stripQuery
      ? { script: `history.replaceState(null,'',${JSON.stringify(WEB_ROUTES.notice)});` }
      : {}),
  });
}

/** A notice that cannot be read: the sign-in still finishes, linked, with nothing for the Action to act on. */
export function noticeFailurePage(view: {
  readonly nonce: string;
  readonly message: string;
  readonly continueLinked?: ContinueView;
}): string {
  const heading = 'This notice cannot be shown';
  const body = html`
<h1>${heading}</h1>
<div class="notice error" role="alert"><p>${view.message}</p></div>
${
  view.continueLinked
    ? html`<p>Your sign-in can still finish; the accounts stay linked. You can unlink them later from your account page.</p>
<div class="actions">${continueForm(view.continueLinked, 'Continue signing in')}</div>`
    : html`<p>Go back to the application and sign in again.</p>`
}`;
  return page({ title: heading, nonce: view.nonce, body });
}
