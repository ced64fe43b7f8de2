import { html, page, type SafeHtml } from './html.ts';
import { maskEmail } from './mask.ts';
import { WEB_ROUTES } from './routes.ts';
import type { LinkCandidate } from './tokens.ts';

export interface ConsentView {
  readonly nonce: string;
  readonly csrf: string;
  readonly candidates: readonly LinkCandidate[];
  readonly stripQuery: boolean;
}

export function consentPage(view: ConsentView): string {
  const one = view.candidates.length === 1;
  const body = html`
<h1>Link your accounts?</h1>
<p>We found ${one ? 'another account' : 'other accounts'} with the same email address as the one you just signed in with.
Linking lets you sign in to the same profile with either method.</p>
<p class="muted">To link, you will sign in to the other account once more to prove it is yours.</p>
<h2 id="found">Account${one ? '' : 's'} found</h2>
<ul class="accounts" aria-labelledby="found">
${view.candidates.map(
  (candidate) => html`<li>
<div><div class="who">${maskEmail(candidate.email)}</div>
<div class="muted">${candidate.connection}${createdLine(candidate.created_at)}</div></div>
<form method="post" action="${WEB_ROUTES.consent}">
${csrfField(view.csrf)}
<input type="hidden" name="decision" value="link">
<input type="hidden" name="candidate" value="${candidate.user_id}">
<button class="primary" type="submit">Link${one ? '' : ' this account'}</button>
</form>
</li>`,
)}
</ul>
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
<p class="muted">If you do not recognise ${one ? 'this account' : 'these accounts'}, choose <em>Don't ask again</em>: nothing is linked and your sign-in continues.</p>`;
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

function continueForm(view: ContinueView, label: string): SafeHtml {
  return html`<form id="continue" method="post" action="${view.continueUrl}">
<input type="hidden" name="state" value="${view.state}">
${view.sessionToken === undefined ? '' : html`<input type="hidden" name="session_token" value="${view.sessionToken}">`}
<button class="primary" type="submit">${label}</button>
</form>`;
}

function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

function createdLine(createdAt: string | undefined): string {
  if (createdAt === undefined) return '';
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime())) return '';
  return ` · created ${date.toISOString().slice(0, 10)}`;
}
