import type { LinkHow } from './link-record.ts';
import type { ManagementUser } from './users.ts';

/**
 * The ID token claim a silent link adds, on the login where it happened. Namespaced with a URL of our own, as Auth0
 * asks of custom claims (https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims: any URL that
 * is not on an Auth0 domain, `auth0.com`, `webtask.io` or `webtask.run`; it need not resolve).
 */
export const LINKED_CLAIM = 'https://account-linking/linked';

/** What an app may show: no ids of the other account beyond the primary (the token's `sub` after the link). */
export interface LinkedClaim {
  readonly via: 'silent';
  /** ISO 8601, when the Action linked. */
  readonly at: string;
  /** The sign-in method that was added: its connection and identity provider. */
  readonly linked: { readonly connection: string; readonly provider: string };
  /** The account that stayed the main one, and why (the `PRIMARY_POLICY` rule). */
  readonly primary: { readonly user_id: string; readonly connection: string };
  readonly reason: string;
}

export function linkedClaim(
  primary: ManagementUser,
  secondary: ManagementUser,
  how: LinkHow & { via: 'silent' },
): LinkedClaim {
  const linked = secondary.identities?.[0];
  return {
    via: how.via,
    at: how.at.toISOString(),
    linked: { connection: linked?.connection ?? '', provider: linked?.provider ?? '' },
    primary: { user_id: primary.user_id, connection: primary.identities?.[0]?.connection ?? '' },
    reason: how.reason,
  };
}

/** The notice page's two buttons, as the `decision` of its return token. */
export type NoticeAnswer = 'keep' | 'undo';

export function isNoticeAnswer(value: unknown): value is NoticeAnswer {
  return value === 'keep' || value === 'undo';
}

/**
 * `purpose` of the tokens of the notice round trip: the Action's sealed notice (to the page), and the page's signed
 * answer (to /continue). Distinct from the consent round trip's, so neither token passes for the other.
 */
export const NOTICE_PURPOSES = Object.freeze({ notice: 'link-notice', answer: 'link-notice-answer' });

/** What the notice page's answer asks for, once its claims are checked, or why it is refused. */
export type NoticeDecision =
  | { kind: 'reject'; reason: 'unexpected_claims' | 'browser_changed' | 'not_this_login' }
  | { kind: 'keep'; primary: string; secondary: string }
  | { kind: 'undo'; primary: string; secondary: string };

/**
 * The notice page's answer from a validated return token (the `state` and `sub` checks are the platform's).
 * Like the consent proof: issued by this tenant, answered in the login's own browser, and about a link this login
 * made (its user is one side of the pair).
 */
export function decideNoticeAnswer(
  claims: Readonly<Record<string, unknown>>,
  expected: { readonly issuer: string; readonly browser: string; readonly user: string },
): NoticeDecision {
  const { decision, primary, secondary } = claims;
  if (
    claims.purpose !== NOTICE_PURPOSES.answer ||
    claims.iss !== expected.issuer ||
    !isNoticeAnswer(decision) ||
    typeof primary !== 'string' ||
    typeof secondary !== 'string' ||
    primary === secondary
  ) {
    return { kind: 'reject', reason: 'unexpected_claims' };
  }
  if (claims.browser !== expected.browser) return { kind: 'reject', reason: 'browser_changed' };
  if (primary !== expected.user && secondary !== expected.user)
    return { kind: 'reject', reason: 'not_this_login' };
  return { kind: decision, primary, secondary };
}
