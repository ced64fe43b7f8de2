import { type LinkVia, linkRecordOf } from '../core/link-record.ts';
import type { LinkingChoices } from './account-choices.ts';
import { linkingChoicesSection } from './account-choices-views.ts';
import { csrfField, html, page, type SafeHtml } from './html.ts';
import type { AccountNotice } from './link-account.ts';
import type { ManagedUser, UserIdentity } from './management.ts';
import { WEB_ROUTES } from './routes.ts';

const NOTICES: Record<AccountNotice, { kind: 'ok' | 'error'; text: string }> = {
  linked: { kind: 'ok', text: 'The account was linked. You can now sign in with either method.' },
  linked_to_older: {
    kind: 'ok',
    text: 'The accounts were linked. The other account is the older one, so it stays your main account: you are now signed in to it. You can sign in with either method.',
  },
  linked_to_main: {
    kind: 'ok',
    text: 'The accounts were linked. The other account is the one this site keeps as your main account: you are now signed in to it. You can sign in with either method.',
  },
  unlinked: { kind: 'ok', text: 'The sign-in method was unlinked and is a separate account again.' },
  fresh: {
    kind: 'ok',
    text: 'You signed in again. You can now link or unlink accounts for the next few minutes.',
  },
  already_linked: {
    kind: 'error',
    text: 'That sign-in is already part of your account. Nothing was changed.',
  },
  linked_elsewhere: {
    kind: 'error',
    text: 'That account is already linked with other sign-in methods. Sign in to it and unlink them there first. Nothing was changed.',
  },
  not_found: {
    kind: 'error',
    text: 'That account no longer exists (it may have been linked or deleted meanwhile). Nothing was changed.',
  },
  rate_limited: {
    kind: 'error',
    text: 'The sign-in service is receiving too many requests. Wait a minute and try again. Nothing was changed.',
  },
  tenant_unreachable: {
    kind: 'error',
    text: 'We could not reach the sign-in service. Nothing was changed. Please try again in a moment.',
  },
  tenant_error: {
    kind: 'error',
    text: 'The sign-in service had a problem and could not make the change. Nothing was changed. Please try again in a minute.',
  },
  unlink_last: { kind: 'error', text: 'You cannot unlink your only sign-in method.' },
  unlink_primary: {
    kind: 'error',
    text: "This is your account's own sign-in method; it cannot be unlinked. Unlink the others instead.",
  },
  reauth_failed: {
    kind: 'error',
    text: 'Signing in to the other account was cancelled or refused, so nothing was linked.',
  },
  reauth_not_fresh: {
    kind: 'error',
    text: 'The other account was not signed in just now, so it cannot prove ownership. Nothing was linked.',
  },
  link_failed: { kind: 'error', text: 'The sign-in service refused the change. Nothing was changed.' },
  reauth_wrong_account: {
    kind: 'error',
    text: 'You signed in to a different account than the one suggested, so nothing was linked.',
  },
  not_suggested: {
    kind: 'error',
    text: 'That account is not among your suggestions (any more). Nothing was changed.',
  },
  not_declined: {
    kind: 'error',
    text: 'That account is not on your list of accounts not to link. Nothing was changed.',
  },
  not_mine: {
    kind: 'ok',
    text: 'Noted: that account is not yours. It is no longer suggested, and sign-in will not ask to link it.',
  },
  decline_taken_back: {
    kind: 'ok',
    text: 'Taken back: a sign-in may ask again whether to link that account.',
  },
  snooze_cleared: { kind: 'ok', text: 'Your next sign-in may ask again whether to link accounts.' },
};

export function isAccountNotice(value: string | undefined): value is AccountNotice {
  return value !== undefined && Object.hasOwn(NOTICES, value);
}

export interface AccountView {
  readonly nonce: string;
  readonly csrf: string;
  readonly user: ManagedUser;
  readonly connections: readonly string[];
  readonly notice?: AccountNotice;
  /** Undefined when they could not be loaded. */
  readonly choices?: LinkingChoices;
  /** Offer "Email me a code" beside a suggestion's Link. */
  readonly emailCode?: boolean;
}

/** Auth0's passwordless SMS connection: linked with its own button, "Link a phone number". */
const SMS_CONNECTION = 'sms';

/** A linked SMS identity's number (Auth0 keeps it in `profileData.phone_number`). */
function phoneOf(identity: UserIdentity): string | undefined {
  const phone = identity.profileData?.phone_number;
  return typeof phone === 'string' ? phone : undefined;
}

function accountConnections(view: AccountView): readonly string[] {
  return view.connections.filter((name) => name !== SMS_CONNECTION);
}

export function accountPage(view: AccountView): string {
  const { user } = view;
  const notice = view.notice ? NOTICES[view.notice] : undefined;
  const body = html`
<h1>Your account</h1>
${notice ? html`<div class="notice ${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}"><p>${notice.text}</p></div>` : ''}
<h2 id="profile">Profile</h2>
<dl aria-labelledby="profile">
<dt>Name</dt><dd>${user.name ?? '—'}</dd>
<dt>Email</dt><dd>${user.email ?? '—'}${user.email_verified === true ? ' (verified)' : ' (not verified)'}</dd>
<dt>User id</dt><dd>${user.user_id}</dd>
${user.created_at ? html`<dt>Created</dt><dd>${user.created_at.slice(0, 10)}</dd>` : ''}
</dl>
${metadataList(user)}
<h2 id="identities">Sign-in methods</h2>
<ul class="accounts" aria-labelledby="identities">
${user.identities.map((identity) => identityItem(view, identity))}
</ul>
${linkingChoicesSection(view.choices, view.csrf, view.emailCode === true)}
<h2 id="link">Link another account</h2>
<form method="post" action="${WEB_ROUTES.accountLink}">
${csrfField(view.csrf)}
<label for="connection">Sign-in method of the other account</label>
<select id="connection" name="connection">
${accountConnections(view).map((name) => html`<option value="${name}">${name}</option>`)}
</select>
<p class="muted">You will sign in to the other account to prove it is yours. Its profile data is merged into this one.</p>
<div class="actions"><button class="primary" type="submit">Link another account</button></div>
</form>
${
  view.connections.includes(SMS_CONNECTION)
    ? html`<form method="post" action="${WEB_ROUTES.accountLink}">
${csrfField(view.csrf)}
<input type="hidden" name="connection" value="${SMS_CONNECTION}">
<p class="muted">Or add a phone number: the tenant texts it a code, and the number becomes a sign-in method of this account.</p>
<div class="actions"><button type="submit">Link a phone number</button></div>
</form>`
    : ''
}
<h2>Session</h2>
<form method="post" action="${WEB_ROUTES.logout}">
${csrfField(view.csrf)}
<button type="submit">Sign out</button>
</form>`;
  return page({ title: 'Your account', nonce: view.nonce, body });
}

const LINKED_VIA: Record<LinkVia, string> = {
  silent: 'automatically at sign-in (same verified email)',
  consent: 'when you confirmed it at sign-in',
  account_page: 'from this page',
  backfill: 'by an administrator (same verified email)',
};

function identityItem(view: AccountView, identity: UserIdentity): SafeHtml {
  const id = `${identity.provider}|${identity.user_id}`;
  const own = id === view.user.user_id;
  const canUnlink = !own && view.user.identities.length > 1;
  const record = own ? undefined : linkRecordOf(view.user, id);
  const via =
    record !== undefined && Object.hasOwn(LINKED_VIA, record.via) ? LINKED_VIA[record.via] : undefined;
  return html`<li>
<div><div class="who">${identity.connection}${phoneOf(identity) === undefined ? '' : ` ${phoneOf(identity)}`}</div>
<div class="muted">provider ${identity.provider} · id ${identity.user_id}${own ? ' · main sign-in method' : ''}</div>
${record !== undefined ? html`<div class="muted linked-how">Linked ${String(record.at).slice(0, 10)}${via ? ` ${via}` : ''}</div>` : ''}</div>
${
  canUnlink
    ? html`<form method="post" action="${WEB_ROUTES.accountUnlink}">
${csrfField(view.csrf)}
<input type="hidden" name="provider" value="${identity.provider}">
<input type="hidden" name="user_id" value="${identity.user_id}">
<button class="danger" type="submit" aria-label="Unlink ${identity.connection}">Unlink</button>
</form>`
    : ''
}
</li>`;
}

function metadataList(user: ManagedUser): SafeHtml | string {
  const entries = Object.entries(user.user_metadata ?? {});
  if (entries.length === 0) return '';
  return html`<h2 id="metadata">Profile data</h2>
<dl aria-labelledby="metadata">
${entries.map(([key, value]) => html`<dt>${key}</dt><dd>${typeof value === 'string' ? value : JSON.stringify(value)}</dd>`)}
</dl>`;
}

export function signedOutPage(nonce: string): string {
  return page({
    title: 'Account linking',
    nonce,
    body: html`<h1>Account linking</h1>
<p>Sign in to see your profile and the sign-in methods linked to it.</p>
<form method="get" action="${WEB_ROUTES.login}"><button class="primary" type="submit">Sign in</button></form>`,
  });
}
