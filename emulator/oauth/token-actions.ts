import type { Context } from 'hono';
import type { RefreshToken } from '../../actions/types/post-login.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { buildTokenEndpointEvent, incomingRequest, type TokenEndpointProtocol } from '../login/event.ts';
import { endingUser } from '../pipeline/apply-changes.ts';
import type { PipelineChanges, PipelineResult, PostLoginPipeline } from '../pipeline/run-trigger.ts';
import type { ExchangeLogFacts } from './grants.ts';
import type { LoginGrant } from './login-grant.ts';

export interface TokenActionsRun {
  /** The user the tokens are for: the grant's, or the primary an Action named with `setPrimaryUser`. */
  subject: string;
  changes: PipelineChanges;
}

/**
 * Runs the post-login Actions for a login or exchange at `/oauth/token` (non-interactive: no redirect, no MFA
 * prompt), noting its transaction in `facts` so the exchange's log event names the executions. Undefined when the
 * grant's user no longer exists; throws the refusal Auth0 answers otherwise.
 */
export async function runTokenActions(
  pipeline: PostLoginPipeline,
  tenant: TenantContext,
  request: {
    grant: LoginGrant;
    http: Context<TenantEnv>;
    params: Record<string, string>;
    facts: ExchangeLogFacts;
    /** The token a refresh exchange presents, as `event.refresh_token`. */
    refreshToken?: RefreshToken;
  },
  protocol: TokenEndpointProtocol,
): Promise<TokenActionsRun | undefined> {
  const { grant, http, params, facts } = request;
  const incoming = incomingRequest(http, withoutCredentials(params));
  const built = buildTokenEndpointEvent(tenant, grant, incoming, protocol);
  const event =
    built === undefined || request.refreshToken === undefined
      ? built
      : { ...built, refresh_token: request.refreshToken };
  const identity = event?.user.identities[0];
  if (event === undefined || identity === undefined) return undefined;
  facts.transactionId = event.transaction?.id;
  const changes = changesOrRefusal(await pipeline.run({ event, phase: 'execute' }), protocol);
  const subject = endingUser(tenant, grant.userId, identity, changes);
  if (subject === undefined) throw new OAuthError(403, 'access_denied', 'Invalid primary user');
  return { subject, changes };
}

const FLOW_NAMES: Record<TokenEndpointProtocol, string> = {
  'oauth2-refresh-token': 'a refresh token exchange',
  'oauth2-password': 'a passwordless OTP exchange',
};

/**
 * The Actions' changes, or the refusal Auth0 answers at `/oauth/token`: `api.access.deny` 403 `access_denied` with
 * its reason; a redirect, impossible without a browser, 403 `interaction_required` (auth0/auth0-actions
 * RedirectAPIImpl.canRedirect: "clients [should] appropriately handle any interaction_required errors");
 * `api.multifactor.enable` 403 `mfa_required` (the error Auth0's SDKs meet on a refresh when an Action asks for
 * MFA, e.g. auth0/auth0-react#501; no `mfa_token`: the local tenant has no MFA API); a failing Action 500.
 */
function changesOrRefusal(result: PipelineResult, protocol: TokenEndpointProtocol): PipelineChanges {
  if (result.status === 'failed') {
    const status = result.error === 'server_error' ? 500 : 403;
    throw new OAuthError(status, result.error, result.description);
  }
  if (result.status === 'redirect')
    throw new OAuthError(
      403,
      'interaction_required',
      `Redirecting is not possible in ${FLOW_NAMES[protocol]}.`,
    );
  if (result.changes.multifactor !== undefined)
    throw new OAuthError(403, 'mfa_required', 'Multifactor authentication required');
  return result.changes;
}

/** The token request as `event.request.body` shows it, without the client's secret and the user's credential. */
function withoutCredentials(params: Record<string, string>): Record<string, string> {
  const {
    client_secret: _secret,
    refresh_token: _token,
    client_assertion: _assertion,
    otp: _otp,
    ...rest
  } = params;
  return rest;
}
