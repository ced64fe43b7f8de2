import { html, raw } from 'hono/html';
import type { ConnectionRecord } from '../connections.ts';
import type { AuthorizeTransaction } from './transactions.ts';

/** A passwordless connection as the login page offers it. */
export type PasswordlessChoice = Pick<ConnectionRecord, 'name' | 'strategy'>;

const STYLE =
  raw(`body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
form{border:1px solid #d5d9e0;border-radius:8px;padding:1rem;margin:1rem 0}label{display:block;margin:.5rem 0}
input[type=email],input[type=password],input[type=tel],input[inputmode=numeric],select{width:100%;padding:.4rem;box-sizing:border-box}
button{padding:.5rem 1rem;margin-top:.5rem}.error{color:#a4161a}`);

/** The local tenant's own login page: no external assets, no JavaScript. */
export function loginPage(
  transaction: AuthorizeTransaction,
  socialConnections: string[],
  passwordlessConnections: PasswordlessChoice[],
  error?: string,
): string {
  const state = transaction.id;
  const hint = transaction.loginHint ?? '';
  const only = transaction.connection;
  const database = only === undefined || only === 'Username-Password-Authentication';
  const social = socialConnections.filter((name) => only === undefined || only === name);
  const passwordless = passwordlessConnections.filter((c) => only === undefined || only === c.name);
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Log in (local tenant)</title>
<style>${STYLE}</style></head><body><h1>Log in</h1>
${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
${
  database
    ? html`<form method="post" action="/u/login"><h2>Email and password</h2>
<input type="hidden" name="state" value="${state}"><input type="hidden" name="connection" value="Username-Password-Authentication">
<label>Email <input type="email" name="email" value="${hint}" required></label>
<label>Password <input type="password" name="password" required></label>
<label><input type="checkbox" name="signup" value="true"> Create a new account</label>
<button type="submit">Continue</button></form>`
    : ''
}
${social.map(
  (
    name,
    index,
  ) => html`${index > 0 ? '\n' : ''}<form method="post" action="/u/login"><h2>${name} (simulated)</h2>
<input type="hidden" name="state" value="${state}"><input type="hidden" name="connection" value="${name}">
<label>Email the provider returns <input type="email" name="email" value="${hint}" required></label>
<label><input type="checkbox" name="email_verified" value="true" checked> The provider says the email is verified</label>
<button type="submit">Continue with ${name}</button></form>`,
)}
${passwordless.map((connection) => passwordlessForm(state, connection, hint))}
</body></html>`);
}

/** The first step of a passwordless login: the address or number a code goes to. */
function passwordlessForm(state: string, connection: PasswordlessChoice, hint: string) {
  const email = connection.strategy === 'email';
  return html`<form method="post" action="/u/login"><h2>${email ? 'Email me a code' : 'Text me a code'}</h2>
<input type="hidden" name="state" value="${state}"><input type="hidden" name="connection" value="${connection.name}">
${
  email
    ? html`<label>Email <input type="email" name="email" value="${hint}" autocomplete="email" required></label>`
    : html`<label>Phone number <input type="tel" name="phone_number" placeholder="+14155550123" autocomplete="tel" required></label>`
}
<button type="submit">${email ? 'Send me a code' : 'Text me a code'}</button></form>`;
}

/**
 * The second step: the code page. `outboxUrl` is the local tenant's outbox page (when it serves one), where a person
 * reads the code a real tenant would have sent.
 */
export function codePage(
  state: string,
  connection: PasswordlessChoice,
  recipient: string,
  outboxUrl: string | undefined,
  error?: string,
): string {
  const field = connection.strategy === 'email' ? 'email' : 'phone_number';
  const channel = connection.strategy === 'email' ? 'an email' : 'a text message';
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Enter your code (local tenant)</title>
<style>${STYLE}</style></head><body><h1>Enter your code</h1>
${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
<p>We sent ${channel} with a code to <strong>${recipient}</strong>.${
    outboxUrl === undefined
      ? ''
      : html` The local tenant sends nothing: read it in the <a href="${outboxUrl}" target="_blank">outbox</a>.`
  }</p>
<form method="post" action="/u/login/code">
<input type="hidden" name="state" value="${state}"><input type="hidden" name="connection" value="${connection.name}">
<input type="hidden" name="${field}" value="${recipient}">
<label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" required autofocus></label>
<button type="submit">Continue</button></form>
<form method="post" action="/u/login">
<input type="hidden" name="state" value="${state}"><input type="hidden" name="connection" value="${connection.name}">
<input type="hidden" name="${field}" value="${recipient}">
<button type="submit">Send a new code</button></form></body></html>`);
}

/** What a database sign-up sees instead of an inbox: the verification email's link. */
export function verifyEmailPage(email: string, verifyUrl: string): string {
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Verify your email (local tenant)</title>
<style>${STYLE}</style></head><body><h1>Check your email</h1>
<p>The local tenant sends no mail. This is the link the verification email to <strong>${email}</strong> would carry:</p>
<p><a href="${verifyUrl}">Verify ${email} and continue</a></p></body></html>`);
}

export function messagePage(title: string, message: string): string {
  return String(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${message}</p></body></html>`,
  );
}

export function errorPage(message: string): string {
  return messagePage('Login error', message);
}

/** Auth0's logout prompt, shown when a logout request does not name the browser's own session. */
export function logoutConfirmationPage(domain: string, fields: Record<string, string>): string {
  const hidden = Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Log out (local tenant)</title>
<style>${STYLE}</style></head><body><h1>Log out?</h1><p>Do you want to log out of ${domain}?</p>
<form method="post" action="/oidc/logout">${hidden}<button type="submit">Yes, log out</button></form></body></html>`);
}

/**
 * Auth0's description when a login step arrives without its transaction (unknown, used, expired, or from a browser
 * without the transaction's cookie), shown under "Oops!, something went wrong" on the hosted error page:
 * https://community.auth0.com/t/how-to-test-changes-to-maximum-expiration-time-for-login-transactions-deprecation/117674
 */
export const LOST_TRANSACTION =
  "You may have pressed the back button, refreshed during login, opened too many login dialogs, or there is some issue with cookies, since we couldn't find your session. Try logging in again from the application and if the problem persists please contact the administrator.";

/** Auth0's hosted error page: a generic heading, then the error code and its description. */
export function hostedErrorPage(error: string, description: string): string {
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error (local tenant)</title>
<style>${STYLE}</style></head><body><h1>Oops!, something went wrong</h1>
<p class="error" role="alert"><code>${error}</code>: ${description}</p></body></html>`);
}
