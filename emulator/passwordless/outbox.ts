/** One message the local tenant would have sent: an email or a text message carrying a one-time code or a magic link. */
export interface OutboxMessage {
  id: number;
  channel: 'email' | 'sms';
  connection: string;
  client_id: string;
  /** The email address or the phone number (E.164). */
  to: string;
  subject?: string;
  text: string;
  code: string;
  /** The magic link carrying `code`, when the message is one. */
  link?: string;
  sent_at: string;
}

const MAX_MESSAGES = 200;

/**
 * What would have been sent, newest last. The local tenant has no mail or SMS provider; a person reads their code
 * on the outbox page and tests read it from `GET /__control/outbox`.
 */
export class Outbox {
  #messages: OutboxMessage[] = [];
  #nextId = 1;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  send(message: Omit<OutboxMessage, 'id' | 'sent_at'>): OutboxMessage {
    const stored = { ...message, id: this.#nextId++, sent_at: new Date(this.#now()).toISOString() };
    this.#messages.push(stored);
    if (this.#messages.length > MAX_MESSAGES) this.#messages.splice(0, this.#messages.length - MAX_MESSAGES);
    return stored;
  }

  /** Messages to `to` (all without it), newest last. */
  list(filter: { to?: string } = {}): OutboxMessage[] {
    return this.#messages.filter((message) => filter.to === undefined || message.to === filter.to);
  }

  clear(): void {
    this.#messages = [];
  }
}
