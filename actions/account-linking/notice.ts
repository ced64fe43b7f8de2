import { type Config, noticeUrlOf } from '../../core/config.ts';
import {
  LINKED_CLAIM,
  type LinkedClaim,
  NOTICE_PURPOSES,
  type NoticeDecision,
} from '../../core/link-notice.ts';
import { mergedKeyPaths } from '../../core/link-record.ts';
import {
  type BrowserTraits,
  browserBinding,
  LINK_REQUEST_LIFETIME_SECONDS,
  sealLinkRequest,
} from '../../core/link-request.ts';
import { unlinkAccount } from '../../core/unlink.ts';
import type { ManagementUser } from '../../core/users.ts';
import type { PostLoginAPI } from '../types/post-login.ts';
import { logDecision } from './log.ts';
import type { ManagementPort } from './management.ts';

export interface SilentLink {
  readonly primary: ManagementUser;
  readonly secondary: ManagementUser;
  readonly claim: LinkedClaim;
}

/**
 * With `LINK_NOTICE=page`, sends an interactive login that just linked silently to the notice page, once: the
 * request is sealed like the consent page's (core/link-request.ts) and bound to the login's browser. The switch to
 * the primary waits for `onContinuePostLogin` (setPrimaryUser may be called there, once per transaction: Actions
 * limitations, "Account Linking"), so "This wasn't me" can end the login as its own, unlinked user.
 */
export function sendToNoticePage(
  api: PostLoginAPI,
  config: Config,
  link: SilentLink,
  browser: BrowserTraits,
): boolean {
  const secret = config.sessionTokenSecret;
  if (config.linkNotice !== 'page' || config.consentUrl === undefined || secret === undefined) return false;
  const sessionToken = api.redirect.encodeToken({
    secret,
    expiresInSeconds: LINK_REQUEST_LIFETIME_SECONDS,
    payload: {
      purpose: NOTICE_PURPOSES.notice,
      browser: browserBinding(secret, browser),
      at: link.claim.at,
      email: link.primary.email ?? '',
      linked: { connection: link.claim.linked.connection },
      primary: { user_id: link.primary.user_id, connection: link.claim.primary.connection },
      secondary: link.secondary.user_id,
    },
  });
  api.redirect.sendUserTo(noticeUrlOf(config.consentUrl), {
    query: { session_token: sealLinkRequest(sessionToken, secret) },
  });
  logDecision('notice', { primary: link.primary.user_id, secondary: link.secondary.user_id });
  return true;
}

/**
 * The notice page's answer. **OK** finishes the switch to the primary the link deferred. **This wasn't me** undoes
 * the link with the account page's own unlink (core/unlink.ts: metadata given back, the pair declined both ways) and
 * ends the login as the user who signed in, now on their own again: no setPrimaryUser, and the claim says no link.
 */
export async function answerNotice(
  port: ManagementPort,
  api: PostLoginAPI,
  user: ManagementUser,
  answer: Exclude<NoticeDecision, { kind: 'reject' }>,
): Promise<void> {
  const pair = { primary: answer.primary, secondary: answer.secondary, user: user.user_id };
  if (answer.kind === 'keep') {
    if (answer.primary !== user.user_id) api.authentication.setPrimaryUser(answer.primary);
    logDecision('notice-kept', pair);
    return;
  }
  const result = await unlinkAccount(port, answer.primary, answer.secondary);
  // The claim set before the redirect would still go out: null is the documented "undone" (docs/action.md).
  api.idToken.setCustomClaim(LINKED_CLAIM, null);
  logDecision('unlinked', {
    reason: 'not_me',
    ...pair,
    restored: result.restored.join(',') || (result.notRestored ?? ''),
    withdrawn: mergedKeyPaths(result.withdrawn).join(','),
  });
}
