import { Hono } from 'hono';
import { html } from 'hono/html';
import type { TenantContext, TenantEnv } from '../context.ts';
import type { OutboxMessage } from './outbox.ts';

/** `GET /__outbox`: the messages a real tenant would have sent, newest first, for a person running the demo. */
export function outboxPageRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.get('/', (c) => {
    c.header('cache-control', 'no-store');
    return c.html(outboxPage(tenant.passwordless.outbox.list().reverse()));
  });
  return app;
}

function outboxPage(messages: OutboxMessage[]): string {
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outbox (local tenant)</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
article{border:1px solid #d5d9e0;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}.code{font:600 1.6rem monospace;letter-spacing:.2em}
.meta{color:#5a6270;font-size:.9rem}</style></head><body><h1>Outbox</h1>
<p>The local tenant sends no email or text messages. This is what it would have sent, newest first; reload for new ones.</p>
${
  messages.length === 0
    ? html`<p>Nothing sent yet.</p>`
    : messages.map(
        (
          message,
        ) => html`<article><p class="meta">${message.channel === 'email' ? 'Email' : 'Text message'} to
<strong>${message.to}</strong> at ${message.sent_at} (${message.connection} connection)</p>
${message.subject === undefined ? '' : html`<p><strong>${message.subject}</strong></p>`}<p>${message.text}</p>
${
  message.link === undefined
    ? html`<p>Code: <span class="code" data-to="${message.to}">${message.code}</span></p>`
    : html`<p><a class="link" data-to="${message.to}" href="${message.link}">Log in</a></p>`
}</article>`,
      )
}
</body></html>`);
}
