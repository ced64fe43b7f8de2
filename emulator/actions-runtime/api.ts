import type { Event, PostLoginAPI, Protocol } from '../../actions/types/post-login.ts';
import { ActionCache } from './cache.ts';
import { assertSettableClaim } from './claims.ts';
import { ActionsRuntimeError } from './errors.ts';
import { emptyOutcome, type Phase, type PostLoginOutcome } from './outcome.ts';
import { encodeSessionToken, validateSessionToken } from './redirect-token.ts';

export type { Phase, PostLoginOutcome } from './outcome.ts';

// auth0/auth0-actions src/post-login/v3/test/index.js (RedirectAPIImpl.canRedirect).
export const NO_REDIRECT_PROTOCOLS: readonly Protocol[] = [
  'oauth2-resource-owner',
  'oauth2-refresh-token',
  'oauth2-password',
  'oauth2-webauthn',
];

// https://auth0.com/docs/customize/actions/limitations, "Account Linking (setPrimaryUser)".
export const MAX_PRIMARY_USER_ID_LENGTH = 128;

export interface CreatePostLoginApiOptions {
  event: Event;
  /** Shared across executions of the trigger; a fresh one models a resume on another instance. */
  cache?: ActionCache;
  /** Epoch milliseconds. */
  now?: (() => number) | undefined;
  phase: Phase;
}

export interface PostLoginRun {
  api: PostLoginAPI;
  outcome: PostLoginOutcome;
}

/** The `api` of one Action execution, recording what the Action asked for in `outcome`. */
export function createPostLoginApi(options: CreatePostLoginApiOptions): PostLoginRun {
  const { event, phase } = options;
  const now = options.now ?? Date.now;
  const cache = options.cache ?? new ActionCache(now);
  const outcome = emptyOutcome();

  const canRedirect = (): boolean => {
    if (event.request.query.prompt === 'none' || event.transaction?.prompt?.includes('none')) return false;
    return !NO_REDIRECT_PROTOCOLS.includes(event.transaction?.protocol ?? ('unknown-protocol' as Protocol));
  };

  const api: PostLoginAPI = {
    access: {
      deny(reason) {
        outcome.denied ??= { reason };
        return api;
      },
    },
    accessToken: {
      setCustomClaim(name, value) {
        assertSettableClaim(name);
        outcome.accessTokenClaims[name] = value;
        return api;
      },
      addScope(scope) {
        outcome.accessTokenScopes.removed = outcome.accessTokenScopes.removed.filter((s) => s !== scope);
        if (!outcome.accessTokenScopes.added.includes(scope)) outcome.accessTokenScopes.added.push(scope);
      },
      removeScope(scope) {
        outcome.accessTokenScopes.added = outcome.accessTokenScopes.added.filter((s) => s !== scope);
        if (!outcome.accessTokenScopes.removed.includes(scope)) outcome.accessTokenScopes.removed.push(scope);
      },
    },
    idToken: {
      setCustomClaim(name, value) {
        assertSettableClaim(name);
        outcome.idTokenClaims[name] = value;
        return api;
      },
    },
    user: {
      setAppMetadata(name, value) {
        assertMetadataObject(event.user.app_metadata, 'app_metadata');
        outcome.appMetadata[name] = value ?? null;
        return api;
      },
      setUserMetadata(name, value) {
        assertMetadataObject(event.user.user_metadata, 'user_metadata');
        // Auth0 discards user_metadata set in the same Action as setPrimaryUser (Actions limitations).
        const target =
          outcome.primaryUserId === undefined ? outcome.userMetadata : outcome.discardedUserMetadata;
        target[name] = value ?? null;
        return api;
      },
    },
    authentication: {
      setPrimaryUser(primaryUserId) {
        if (outcome.primaryUserId !== undefined) {
          throw new ActionsRuntimeError(
            'primary_user_already_set',
            'The primary user can only be altered once per transaction',
          );
        }
        if (typeof primaryUserId !== 'string' || primaryUserId.length === 0) {
          throw new ActionsRuntimeError(
            'invalid_primary_user_id',
            'The provided primary_user_id must be a non-empty string',
          );
        }
        if (primaryUserId.length > MAX_PRIMARY_USER_ID_LENGTH) {
          throw new ActionsRuntimeError(
            'invalid_primary_user_id',
            'The provided primary_user_id exceeds the maximum length.',
          );
        }
        outcome.primaryUserId = primaryUserId;
        Object.assign(outcome.discardedUserMetadata, outcome.userMetadata);
        outcome.userMetadata = {};
      },
      challengeWith(factor, challengeOptions) {
        outcome.authenticationSteps.push({
          kind: 'challenge',
          factors: [factor, ...(challengeOptions?.additionalFactors ?? [])],
        });
      },
      challengeWithAny(factors) {
        outcome.authenticationSteps.push({ kind: 'challenge', factors: factors ?? 'any' });
      },
      enrollWith(factor, enrollOptions) {
        outcome.authenticationSteps.push({
          kind: 'enroll',
          factors: [factor, ...(enrollOptions?.additionalFactors ?? [])],
        });
      },
      enrollWithAny(factors) {
        outcome.authenticationSteps.push({ kind: 'enroll', factors });
      },
      recordMethod(providerUrl) {
        if (phase !== 'continue') {
          throw new ActionsRuntimeError(
            'record_method_outside_continue',
            'api.authentication.recordMethod() can only be called from onContinuePostLogin.',
          );
        }
        outcome.recordedMethods.push(providerUrl);
        return api;
      },
    },
    multifactor: {
      enable(provider, mfaOptions) {
        outcome.multifactor = { provider, allowRememberBrowser: mfaOptions?.allowRememberBrowser ?? false };
        return api;
      },
    },
    redirect: {
      sendUserTo(url, sendOptions) {
        if (outcome.prompt) {
          outcome.aborted ??= { reason: 'Redirect and render commands cannot be used in the same action.' };
          return api;
        }
        // At most one redirect per Action (support.auth0.com "Limit on How Many Times a User can be
        // Redirected using Actions"): a second one is an Action bug, so it fails loudly here.
        if (outcome.redirect || outcome.interactionRequired) {
          throw new ActionsRuntimeError(
            'redirect_already_requested',
            'Only one redirect per action is allowed.',
          );
        }
        const target = new URL(url);
        for (const [key, value] of Object.entries(sendOptions?.query ?? {})) {
          target.searchParams.set(key, value);
        }
        // Auth0's client code records the redirect and the platform then fails a non-interactive flow with
        // `interaction_required` (RedirectAPIImpl.canRedirect doc comment); it does not throw in the Action.
        if (canRedirect()) outcome.redirect = { url: target.href };
        else outcome.interactionRequired = { reason: nonInteractiveReason(event) };
        return api;
      },
      encodeToken(tokenOptions) {
        return encodeSessionToken(tokenOptions, {
          userId: event.user.user_id,
          hostname: event.request.hostname,
          ip: event.request.ip,
          now: now(),
        });
      },
      validateToken(tokenOptions) {
        return validateSessionToken(tokenOptions, {
          request: event.request,
          userId: event.user.user_id,
          now: now(),
        });
      },
      canRedirect,
    },
    cache,
    session: {
      revoke(reason, revokeOptions) {
        outcome.session.revoked = {
          reason,
          preserveRefreshTokens: revokeOptions?.preserveRefreshTokens ?? false,
        };
      },
      setExpiresAt(absolute) {
        outcome.session.expiresAt = absolute;
      },
      setIdleExpiresAt(absolute) {
        outcome.session.idleExpiresAt = absolute;
      },
      setCookieMode(mode) {
        outcome.session.cookieMode = mode;
      },
      setMetadata(key, value) {
        if (!event.session) {
          throw new ActionsRuntimeError(
            'invalid_metadata',
            'Failed to set session metadata: Cannot set metadata on a session that does not exist.',
          );
        }
        outcome.session.metadata = {
          ...(outcome.session.metadata ?? event.session.metadata ?? {}),
          [key]: value,
        };
      },
      deleteMetadata(key) {
        const { [key]: _removed, ...rest } = outcome.session.metadata ?? event.session?.metadata ?? {};
        outcome.session.metadata = rest;
      },
      evictMetadata() {
        outcome.session.metadata = {};
      },
    },
    refreshToken: {
      revoke(reason) {
        outcome.refreshToken.revoked = { reason };
      },
      setExpiresAt(absolute) {
        outcome.refreshToken.expiresAt = absolute;
      },
      setIdleExpiresAt(absolute) {
        outcome.refreshToken.idleExpiresAt = absolute;
      },
      setMetadata(key, value) {
        outcome.refreshToken.metadata = {
          ...(outcome.refreshToken.metadata ?? event.refresh_token?.metadata ?? {}),
          [key]: value,
        };
      },
      deleteMetadata(key) {
        const { [key]: _removed, ...rest } =
          outcome.refreshToken.metadata ?? event.refresh_token?.metadata ?? {};
        outcome.refreshToken.metadata = rest;
      },
      evictMetadata() {
        outcome.refreshToken.metadata = {};
      },
    },
    validation: {
      error(errorCode, errorMessage) {
        outcome.validationError ??= { code: errorCode, message: errorMessage };
        return api;
      },
    },
    prompt: {
      render(promptId, renderOptions) {
        if (outcome.redirect || outcome.interactionRequired) {
          outcome.aborted ??= { reason: 'Redirect and render commands cannot be used in the same action.' };
          return;
        }
        if (outcome.prompt) {
          outcome.aborted ??= { reason: 'Only 1 render command per action is allowed.' };
          return;
        }
        outcome.prompt = { id: promptId, options: renderOptions ?? {} };
      },
    },
    transaction: {
      setMetadata(key, value) {
        outcome.transactionMetadata[key] = value;
      },
    },
  };

  return { api, outcome };
}

function nonInteractiveReason(event: Event): string {
  const protocol = event.transaction?.protocol ?? 'unknown-protocol';
  return `Redirecting is not possible in a '${protocol}' flow or when prompt=none.`;
}

function assertMetadataObject(value: unknown, field: 'app_metadata' | 'user_metadata'): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ActionsRuntimeError(
      'invalid_metadata',
      `Unexpected ${field} format. Must be a valid JSON object.`,
    );
  }
}
