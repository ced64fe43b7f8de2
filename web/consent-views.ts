import { csrfField, html, page, type SafeHtml } from './html.ts';
import { maskEmail } from './mask.ts';
import { WEB_ROUTES } from './routes.ts';
import type { LinkCandidate, LinkRequestLogin } from './tokens.ts';

export interface ConsentView {
  readonly nonce: string;
  readonly csrf: string;
  readonly login: LinkRequestLogin;
  readonly candidates: readonly LinkCandidate[];
  readonly stripQuery: boolean;
  /** Offer "Email me a code" beside Link (the tenant's email connection is enabled for re-authentication). */
  readonly emailCode: boolean;
}

/**
 * Says what a link would do before anything happens, in words true for whoever reads it: a consent URL can be
 * forwarded, so the sign-in that asked is named (connection, masked email, when) rather than assumed to be the
 * reader's, and each account found says which of the two stays the main account.
 */
export function consentPage(view: ConsentView): string {
  const one = view.candidates.length === 1;
  const signIn = connectionLabel(view.login.connection);
  const body = html`
<h1>Link your accounts?</h1>
<p>This request comes from a sign-in with <strong>${signIn}</strong> as <strong>${maskEmail(view.login.email)}</strong>
on ${when(view.login.at)}. We found ${one ? 'another account' : 'other accounts'} with the same email address.
Linking lets one profile be opened with either sign-in.</p>
<div class="notice error" role="note"><p><strong>Did not just sign in with ${signIn}?</strong> Then do not link:
someone else may have sent you this page to get into your account. Close it: nothing has changed. If your password
may be known to someone else, change it.</p></div>
<h2 id="found">Account${one ? '' : 's'} found</h2>
<ul class="accounts" aria-labelledby="found">
${view.candidates.map(
  (candidate) => html`<li>
<div><div class="who">${maskEmail(candidate.email)}</div>
<div class="muted">${connectionLabel(candidate.connection)}${createdLine(candidate.created_at)}</div>
<p class="outcome">${outcome(candidate, signIn, view.login)}</p></div>
<form method="post" action="${WEB_ROUTES.consent}">
${csrfField(view.csrf)}
<input type="hidden" name="decision" value="link">
<input type="hidden" name="candidate" value="${candidate.user_id}">
<button class="primary" type="submit">Link${one ? '' : ' this account'}</button>
</form>
${
  view.emailCode
    ? html`<form method="post" action="${WEB_ROUTES.consent}">
${csrfField(view.csrf)}
<input type="hidden" name="decision" value="email-code">
<input type="hidden" name="candidate" value="${candidate.user_id}">
<button type="submit">Email me a code</button>
</form>`
    : ''
}
</li>`,
)}
</ul>
<p class="muted">To link, you will sign in to the account found once more to prove it is yours${
    view.emailCode
      ? html`, or, if you cannot sign in to it any more, enter a code we email to its address`
      : ''
  }.</p>
<div class="actions">
<form method="post" action="${WEB_ROUTES.consent}">
${csrfField(view.csrf)}
<input type="hidden" name="decision" value="not-now">
<button type="submit">Not now</button>
</form>
<form method="post" action="${WEB_ROUTES.consent}">
${csrfField(view.csrf)}
<input type="hidden" name="decision" value="never">
<button type="submit">Don't ask again</button>
</form>
</div>
<p class="muted">If this was your sign-in but you do not recognise ${one ? 'the account' : 'the accounts'} found, choose <em>Don't ask again</em>: nothing is linked and the sign-in continues.</p>`;
  return page({
    title: 'Link your accounts?',
    nonce: view.nonce,
    body,
    ...(view.stripQuery
      ? { script: `history.replaceState(null,'',${JSON.stringify(WEB_ROUTES.consent)});` }
      : {}),
  });
}

export interface ContinueView {
  readonly nonce: string;
  readonly continueUrl: string;
  readonly state: string;
  readonly sessionToken?: string;
}

export function continuePage(
  view: ContinueView & { readonly heading: string; readonly message: string },
): string {
  const body = html`
<h1>${view.heading}</h1>
<p>${view.message}</p>
${continueForm(view, 'Continue')}`;
  return page({
    title: view.heading,
    nonce: view.nonce,
    body,
    script: "document.getElementById('continue').submit();",
  });
}

export interface FailureView {
  readonly nonce: string;
  readonly heading: string;
  readonly message: string;
  readonly retry?: boolean;
  readonly continueUnlinked?: ContinueView;
}

export function failurePage(view: FailureView): string {
  const body = html`
<h1>${view.heading}</h1>
<div class="notice error" role="alert"><p>${view.message}</p></div>
${
  view.continueUnlinked
    ? html`<p>You can finish signing in without linking; nothing will be changed.</p>
<div class="actions">
${continueForm(view.continueUnlinked, 'Continue without linking')}
${view.retry ? html`<form method="get" action="${WEB_ROUTES.consent}"><button type="submit">Try again</button></form>` : ''}
</div>`
    : html`<p>Go back to the application and sign in again. Your sign-in will work without linking.</p>`
}`;
  return page({ title: view.heading, nonce: view.nonce, body });
}

export function continueForm(view: ContinueView, label: string): SafeHtml {
  return html`<form id="continue" method="post" action="${view.continueUrl}">
<input type="hidden" name="state" value="${view.state}">
${view.sessionToken === undefined ? '' : html`<input type="hidden" name="session_token" value="${view.sessionToken}">`}
<button class="primary" type="submit">${label}</button>
</form>`;
}

/** Which account stays the main one: the older of the two (core/policy.ts linkPair), said in both directions. */
function outcome(candidate: LinkCandidate, signIn: string, login: LinkRequestLogin): SafeHtml {
  if (candidate.primary) {
    return html`If you link, <strong>this account stays the main account</strong>, and the ${signIn} sign-in is added
to it: signing in with ${signIn} then opens this account.`;
  }
  return html`If you link, <strong>the account of the ${signIn} sign-in becomes the main account</strong>, because it
is older${login.created_at === undefined ? '' : ` (created ${createdDate(login.created_at)})`}. This account is added to it: signing in with
${connectionLabel(candidate.connection)} then opens that account instead of this one.`;
}

/** Names people know for Auth0's usual connections; any other connection is shown by its name. */
const CONNECTION_LABELS: Readonly<Record<string, string>> = {
  'Username-Password-Authentication': 'email and password',
  'google-oauth2': 'Google',
  github: 'GitHub',
  apple: 'Apple',
  facebook: 'Facebook',
  windowslive: 'Microsoft',
  linkedin: 'LinkedIn',
};

export function connectionLabel(connection: string): string {
  return CONNECTION_LABELS[connection] ?? connection;
}

export function when(at: string): string {
  return `${at.slice(0, 10)} at ${at.slice(11, 16)} UTC`;
}

function createdLine(createdAt: string | undefined): string {
  const date = createdAt === undefined ? '' : createdDate(createdAt);
  return date === '' ? '' : ` · created ${date}`;
}

function createdDate(createdAt: string): string {
  const date = new Date(createdAt);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}
