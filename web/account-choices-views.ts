import { splitUserId } from '../core/users.ts';
import type { DeclinedAccount, LinkingChoices, OtherAccount } from './account-choices.ts';
import { csrfField, html, type SafeHtml } from './html.ts';
import { WEB_ROUTES } from './routes.ts';

/**
 * The suggestions (Link / Not mine), the declined accounts (Take back) and an active "Not now". `undefined`: they
 * could not be loaded, which the page says while the rest of it still works.
 */
export function linkingChoicesSection(
  choices: LinkingChoices | undefined,
  csrf: string,
  emailCode = false,
): SafeHtml {
  if (choices === undefined) {
    return html`<p class="muted" role="status">Suggestions and declined accounts could not be loaded just now. Reload in a moment.</p>`;
  }
  return html`${choices.suggestions.length > 0 ? suggestionList(choices.suggestions, csrf, emailCode) : ''}
${choices.declined.length > 0 ? declinedList(choices.declined, csrf) : ''}
${choices.snoozedUntil === undefined ? '' : snoozeNotice(choices.snoozedUntil, csrf)}`;
}

function suggestionList(suggestions: readonly OtherAccount[], csrf: string, emailCode: boolean): SafeHtml {
  return html`<h2 id="suggestions">Other accounts with your email</h2>
<p class="muted">These accounts use your verified email address. Link one to join it with this account: you will sign in to it first to prove it is yours. The older account stays your main one, unless this site ranks sign-in methods otherwise.</p>
<ul class="accounts" aria-labelledby="suggestions">
${suggestions.map(
  (account) => html`<li>
${accountDescription(account)}
<div class="row-actions">
<form method="post" action="${WEB_ROUTES.accountLink}">
${csrfField(csrf)}
<input type="hidden" name="user_id" value="${account.userId}">
<button class="primary" type="submit" aria-label="Link ${label(account)}">Link</button>
</form>
${
  emailCode
    ? html`<form method="post" action="${WEB_ROUTES.accountLinkEmailCode}">
${csrfField(csrf)}
<input type="hidden" name="user_id" value="${account.userId}">
<button type="submit" aria-label="Email me a code: ${label(account)}">Email me a code</button>
</form>`
    : ''
}
<form method="post" action="${WEB_ROUTES.accountNotMine}">
${csrfField(csrf)}
<input type="hidden" name="user_id" value="${account.userId}">
<button type="submit" aria-label="Not mine: ${label(account)}">Not mine</button>
</form>
</div>
</li>`,
)}
</ul>`;
}

function declinedList(declined: readonly DeclinedAccount[], csrf: string): SafeHtml {
  return html`<h2 id="declined">Accounts you chose not to link</h2>
<p class="muted">Sign-in never asks to link these. Take one back to be asked again.</p>
<ul class="accounts" aria-labelledby="declined">
${declined.map(
  (account) => html`<li>
<div>${accountDescription(account)}
${account.declinesYou ? html`<div class="muted">That account declined this one too: sign in to it to take that back as well.</div>` : ''}</div>
<form method="post" action="${WEB_ROUTES.accountTakeBack}">
${csrfField(csrf)}
<input type="hidden" name="user_id" value="${account.userId}">
<button type="submit" aria-label="Take back ${label(account)}">Take back</button>
</form>
</li>`,
)}
</ul>`;
}

function snoozeNotice(until: Date, csrf: string): SafeHtml {
  return html`<h2 id="snooze">Linking questions at sign-in</h2>
<p>You chose <strong>Not now</strong>: we won't ask to link accounts until ${until.toISOString().slice(0, 10)}.</p>
<form method="post" action="${WEB_ROUTES.accountClearSnooze}">
${csrfField(csrf)}
<button type="submit">Ask me again at sign-in</button>
</form>`;
}

function accountDescription(account: OtherAccount): SafeHtml {
  if (account.gone === true) {
    return html`<div><div class="who">An account that no longer exists</div>
<div class="muted">It may have been linked into another account or deleted.</div></div>`;
  }
  if (account.connection === undefined) {
    return html`<div><div class="who">Another account</div>
<div class="muted">signs in with ${splitUserId(account.userId).provider} (details not loaded)</div></div>`;
  }
  return html`<div><div class="who">${account.maskedEmail ?? 'No email'}</div>
<div class="muted">signs in with ${account.connection}</div></div>`;
}

function label(account: OtherAccount): string {
  if (account.gone === true) return 'an account that no longer exists';
  return account.connection === undefined
    ? `another ${splitUserId(account.userId).provider} account`
    : `${account.connection} ${account.maskedEmail ?? ''}`.trim();
}
