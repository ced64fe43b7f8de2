import { CODE_LENGTH_RANGE } from '../core/passwordless-codes.ts';
import { csrfField, html, page } from './html.ts';
import { maskEmail } from './mask.ts';

/** Where the person stands with the emailed code; `spent` offers only a new code. */
export type EmailCodeStatus = 'sent' | 'resent' | 'wrong' | 'spent';

export interface EmailCodeView {
  readonly nonce: string;
  readonly csrf: string;
  /** The address the code went to (shown masked). */
  readonly email: string;
  readonly status: EmailCodeStatus;
  /** Where the form posts (`action=verify` with `code`, or `action=resend`). */
  readonly action: string;
  /** Where "Back" goes, without linking. */
  readonly back: string;
  /** How long the code lives (the connection's `options.totp.time_step` when it was sent). */
  readonly lifetimeSeconds: number;
}

const STATUS: Readonly<Record<EmailCodeStatus, { kind: 'info' | 'error'; text: string }>> = {
  sent: { kind: 'info', text: 'We emailed a code to ADDRESS. It is valid for LIFETIME.' },
  resent: { kind: 'info', text: 'We emailed a new code to ADDRESS. Only the newest code works.' },
  wrong: { kind: 'error', text: 'That code is not right. Check the newest email from us and try again.' },
  spent: {
    kind: 'error',
    text: 'That code can no longer be used: it has expired or was entered wrongly too often. Send a new code.',
  },
};

export function emailCodePage(view: EmailCodeView): string {
  const status = STATUS[view.status];
  const text = status.text
    .replace('ADDRESS', maskEmail(view.email))
    .replace('LIFETIME', lifetime(view.lifetimeSeconds));
  const body = html`
<h1>Enter the code we emailed you</h1>
<p>Entering the code proves that <strong>${maskEmail(view.email)}</strong> is yours, the same as signing in to that
account would.</p>
<div class="notice ${status.kind}" role="${status.kind === 'error' ? 'alert' : 'status'}"><p>${text}</p></div>
${
  view.status === 'spent'
    ? ''
    : html`<form method="post" action="${view.action}">
${csrfField(view.csrf)}
<input type="hidden" name="action" value="verify">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="${CODE_LENGTH_RANGE.max}" required autofocus>
<button class="primary" type="submit">Confirm</button>
</form>`
}
<div class="actions">
<form method="post" action="${view.action}">
${csrfField(view.csrf)}
<input type="hidden" name="action" value="resend">
<button type="submit"${view.status === 'spent' ? ' class="primary"' : ''}>Send a new code</button>
</form>
<form method="get" action="${view.back}"><button type="submit">Back</button></form>
</div>`;
  return page({ title: 'Enter the code we emailed you', nonce: view.nonce, body });
}

/** `time_step` is in seconds: whole minutes read as minutes, anything else as seconds. */
function lifetime(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
}
