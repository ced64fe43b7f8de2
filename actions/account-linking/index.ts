import { type Config, parseConfig, primaryPolicyText } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { decideNoticeAnswer, LINKED_CLAIM, linkedClaim, NOTICE_PURPOSES } from '../../core/link-notice.ts';
import {
  type BrowserTraits,
  browserBinding,
  LINK_REQUEST_LIFETIME_SECONDS,
  sealLinkRequest,
} from '../../core/link-request.ts';
import {
  ACCOUNT_LINKING_KEY,
  decideContinue,
  decideLink,
  decideProvenLink,
  filterLinkCandidates,
  findUsersByEmail,
  isInteractive,
  isSnoozed,
  type LoginFacts,
  linkPair,
  loginSkipReason,
  withDeclined,
  withSnoozed,
} from '../../core/policy.ts';
import { holdsIdentityRef, type ManagementUser, splitUserId } from '../../core/users.ts';
import type { Event, PostLoginAPI } from '../types/post-login.ts';
import { ManagementError } from './errors.ts';
import { linkAccounts } from './link.ts';
import { logDecision } from './log.ts';
import { createManagementClient, type ManagementPort } from './management.ts';
import { answerNotice, sendToNoticePage } from './notice.ts';

/** Auth0 stops an Action at 20 s; Management calls stop well before, so the login always completes. */
const MANAGEMENT_BUDGET_MS = 12_000;
/** After a failure, time to find out whether a concurrent login linked this user away: 12 + 4 s stays inside 20 s. */
const RESOLVE_BUDGET_MS = 4_000;

export async function onExecutePostLogin(event: Event, api: PostLoginAPI): Promise<void> {
  const config = readConfig(event);
  if (config === undefined) return;
  const facts = loginFacts(event, config);
  const skip = loginSkipReason(facts, config);
  if (skip !== undefined) {
    logDecision('skip', { reason: skip, user: facts.user.user_id });
    return;
  }
  const port = managementFor(config, api);
  try {
    const candidates = filterLinkCandidates(facts.user, await findByEmail(port, facts.user.email ?? ''));
    const decision = decideLink(facts, candidates, config);
    if (decision.kind === 'skip') {
      logDecision('skip', { reason: decision.reason, user: facts.user.user_id });
    } else if (decision.kind === 'link') {
      await link(port, api, facts.user, decision.primary, decision.secondary, config, {
        via: 'silent',
        ...(facts.interactive ? { browser: browserOf(event) } : {}),
      });
    } else {
      askForConsent(api, config, facts, decision.candidates, decision.reason, browserOf(event));
    }
  } catch (error) {
    await giveUp(error, config, api, facts.user);
  }
}

export async function onContinuePostLogin(event: Event, api: PostLoginAPI): Promise<void> {
  const config = readConfig(event);
  if (config?.sessionTokenSecret === undefined) return;
  const user = event.user as ManagementUser;
  let claims: Record<string, unknown>;
  try {
    claims = api.redirect.validateToken({ secret: config.sessionTokenSecret }) as Record<string, unknown>;
  } catch (error) {
    logDecision('reject', {
      reason: 'invalid_token',
      detail: (error as Error).message.slice(0, 80),
      user: user.user_id,
    });
    await endAsHolder(config, api, user);
    return;
  }
  // Auth0 signs with iss = request.hostname and hands that issuer to its own check, but whether it enforces it is
  // undocumented: check it here. The hostname, not AUTH0_DOMAIN: a custom domain differs from the canonical one.
  const expected = {
    issuer: event.request.hostname ?? config.domain,
    browser: browserBinding(config.sessionTokenSecret, browserOf(event)),
    user: user.user_id,
  };
  const choice =
    claims.purpose === NOTICE_PURPOSES.answer
      ? decideNoticeAnswer(claims, expected)
      : decideContinue(claims, expected);
  if (choice.kind === 'reject') {
    logDecision('reject', { reason: choice.reason, user: user.user_id });
    await endAsHolder(config, api, user);
    return;
  }
  if (choice.kind === 'keep' || choice.kind === 'undo') {
    try {
      await answerNotice(managementFor(config, api), api, user, choice);
    } catch (error) {
      await giveUp(error, config, api, user);
    }
    return;
  }
  if (choice.kind === 'not-now') {
    // Remembered for NOT_NOW_DAYS in app_metadata (users cannot edit it), so the next logins do not ask again.
    if (config.notNowDays > 0 && !config.dryRun)
      api.user.setAppMetadata(ACCOUNT_LINKING_KEY, withSnoozed(user, new Date(), config.notNowDays));
    logDecision('declined', { reason: 'not_now', user: user.user_id, days: config.notNowDays });
    return;
  }
  const port = managementFor(config, api);
  try {
    const candidates = filterLinkCandidates(user, await findByEmail(port, user.email ?? ''));
    if (choice.kind === 'never') {
      recordDecline(api, config, user, candidates);
      return;
    }
    const proven = decideProvenLink(user, candidates, choice.linkedUserId, config.primaryPolicy);
    if (proven.kind !== 'link') {
      logDecision(proven.kind, { reason: proven.reason, user: user.user_id });
      return;
    }
    await link(port, api, user, proven.primary, proven.secondary, config, { via: 'consent' });
  } catch (error) {
    await giveUp(error, config, api, user);
  }
}

function readConfig(event: Event): Config | undefined {
  try {
    return parseConfig(event.secrets ?? {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logDecision('skip', {
      reason: 'config_error',
      code: error.code,
      setting: error.variable,
      message: error.message,
    });
    return undefined;
  }
}

function loginFacts(event: Event, config: Config): LoginFacts {
  const prompt = event.transaction?.prompt ?? [];
  const queryPrompt = event.request?.query?.prompt;
  return {
    user: event.user as ManagementUser,
    connection: event.connection.name,
    clientId: event.client.client_id,
    loginsCount: event.stats?.logins_count ?? 0,
    interactive: isInteractive(
      event.transaction?.protocol,
      queryPrompt === undefined ? prompt : [...prompt, queryPrompt],
    ),
    snoozed: config.notNowDays > 0 && isSnoozed(event.user as ManagementUser, new Date()),
  };
}

function managementFor(config: Config, api: PostLoginAPI, budgetMs = MANAGEMENT_BUDGET_MS): ManagementPort {
  return createManagementClient({
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    cache: api.cache,
    deadline: Date.now() + budgetMs,
  });
}

function findByEmail(port: ManagementPort, email: string): Promise<ManagementUser[]> {
  return findUsersByEmail((form) => port.usersByEmail(form), email);
}

async function link(
  port: ManagementPort,
  api: PostLoginAPI,
  current: ManagementUser,
  primary: ManagementUser,
  secondary: ManagementUser,
  config: Config,
  how: { via: 'silent' | 'consent'; browser?: BrowserTraits },
): Promise<void> {
  const { via } = how;
  const fields = { via, primary: primary.user_id, secondary: secondary.user_id, user: current.user_id };
  if (config.dryRun) {
    logDecision('would-link', fields);
    return;
  }
  // Only a silent link defers: at /continue the other account has just proven itself with a login of its own.
  const record = { at: new Date(), via, reason: primaryPolicyText(config.primaryPolicy) };
  const result = await linkAccounts(port, primary, secondary, config, {
    deferInFlightSecondary: via === 'silent' && secondary.user_id !== current.user_id,
    now: Date.now,
    record,
  });
  if (result === 'deferred') {
    logDecision('skip', { reason: 'secondary_login_in_flight', ...fields });
    return;
  }
  logDecision(result === 'linked' ? 'linked' : 'already-linked', fields);
  if (result === 'linked' && record.via === 'silent') {
    const claim = linkedClaim(primary, secondary, { ...record, via: record.via });
    api.idToken.setCustomClaim(LINKED_CLAIM, claim);
    // The notice page's answer makes the switch to the primary at /continue.
    if (how.browser && sendToNoticePage(api, config, { primary, secondary, claim }, how.browser)) return;
  }
  if (primary.user_id !== current.user_id) api.authentication.setPrimaryUser(primary.user_id);
}

/**
 * A failure means "log in unlinked", but only once this login's user is known to still be a user: a concurrent
 * login, or this login's own link applied although its answer was lost, may have linked it into another user, and
 * Auth0 does not switch to that primary by itself (the code exchange fails: see emulator/README.md). Such a login
 * switches to the user now holding its identity.
 */
async function giveUp(
  error: unknown,
  config: Config,
  api: PostLoginAPI,
  user: ManagementUser,
): Promise<void> {
  let holder: string | undefined;
  try {
    holder = await userHolding(managementFor(config, api, RESOLVE_BUDGET_MS), user);
  } catch {
    logFailure(error, user.user_id, { still_a_user: 'unknown' });
    return;
  }
  if (holder === undefined) {
    logFailure(error, user.user_id);
    return;
  }
  api.authentication.setPrimaryUser(holder);
  logDecision('already-linked', { via: 'resolved', primary: holder, user: user.user_id });
}

/**
 * A /continue whose answer decides nothing still ends as a user: after a silent link whose switch waited for the
 * notice page, the login's own user is gone, so it ends as the user holding its identity (the link stays). Only
 * with `LINK_NOTICE=page`: otherwise no redirect follows a link, and a refused consent answer costs no call.
 */
async function endAsHolder(config: Config, api: PostLoginAPI, user: ManagementUser): Promise<void> {
  if (config.linkNotice !== 'page') return;
  try {
    const holder = await userHolding(managementFor(config, api, RESOLVE_BUDGET_MS), user);
    if (holder !== undefined) api.authentication.setPrimaryUser(holder);
  } catch (error) {
    logFailure(error, user.user_id, { still_a_user: 'unknown' });
  }
}

/** Undefined while `user` is still a user; else the user holding its identity, found by email. */
async function userHolding(port: ManagementPort, user: ManagementUser): Promise<string | undefined> {
  if ((await port.getUser(user.user_id)) !== undefined) return undefined;
  const ref = splitUserId(user.user_id);
  const found = await findByEmail(port, user.email ?? '');
  return found.find((candidate) => holdsIdentityRef(candidate.identities, ref))?.user_id;
}

function askForConsent(
  api: PostLoginAPI,
  config: Config,
  facts: LoginFacts,
  candidates: readonly ManagementUser[],
  reason: string,
  browser: BrowserTraits,
): void {
  const userId = facts.user.user_id;
  if (config.consentUrl === undefined || config.sessionTokenSecret === undefined) return;
  if (config.dryRun) {
    logDecision('would-ask', { reason, user: userId, candidates: candidates.length });
    return;
  }
  const sessionToken = api.redirect.encodeToken({
    secret: config.sessionTokenSecret,
    expiresInSeconds: LINK_REQUEST_LIFETIME_SECONDS,
    payload: {
      purpose: 'link-request',
      browser: browserBinding(config.sessionTokenSecret, browser),
      // The page names the sign-in being added and which account stays the main one, in both directions.
      login: { connection: facts.connection, email: facts.user.email, created_at: facts.user.created_at },
      candidates: candidates.map((candidate) => ({
        user_id: candidate.user_id,
        email: candidate.email,
        connection: candidate.identities?.[0]?.connection ?? '',
        created_at: candidate.created_at,
        primary: linkPair(facts.user, candidate, config.primaryPolicy).primary === candidate,
      })),
    },
  });
  // Sealed: the request names the other account and Auth0 adds the login's IP, none of it for a URL to show.
  const sealed = sealLinkRequest(sessionToken, config.sessionTokenSecret);
  api.redirect.sendUserTo(config.consentUrl, { query: { session_token: sealed } });
  logDecision('ask', { reason, user: userId, candidates: candidates.length });
}

/** "Don't ask again" lives in app_metadata, which users cannot edit (never user_metadata). */
function recordDecline(
  api: PostLoginAPI,
  config: Config,
  user: ManagementUser,
  candidates: readonly ManagementUser[],
): void {
  const ids = candidates.map((candidate) => candidate.user_id);
  if (!config.dryRun) api.user.setAppMetadata(ACCOUNT_LINKING_KEY, withDeclined(user, ids));
  logDecision('declined', { reason: 'never', user: user.user_id, candidates: ids.length });
}

function browserOf(event: Event): BrowserTraits {
  return { userAgent: event.request.user_agent, ip: event.request.ip };
}

function logFailure(error: unknown, userId: string, extra: Record<string, unknown> = {}): void {
  if (error instanceof ManagementError) {
    logDecision('unlinked', {
      reason: 'management_error',
      code: error.code,
      status: error.status,
      user: userId,
      ...extra,
    });
    return;
  }
  logDecision('unlinked', {
    reason: 'unexpected_error',
    message: String((error as Error)?.message ?? error).slice(0, 80),
    user: userId,
    ...extra,
  });
}
