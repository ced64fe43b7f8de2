import type {
  CookieMode,
  Factor,
  MultifactorProvider,
  RenderPromptOptions,
} from '../../actions/types/post-login.ts';

export type Phase = 'execute' | 'continue';

/** `null` deletes the key when the deferred write is applied. */
export type MetadataChanges = Record<string, unknown>;

export interface AuthenticationStep {
  kind: 'challenge' | 'enroll';
  factors: Factor[] | 'any';
}

export interface SessionChanges {
  revoked?: { reason: string; preserveRefreshTokens: boolean };
  expiresAt?: number;
  idleExpiresAt?: number;
  cookieMode?: CookieMode;
  metadata?: Record<string, string>;
}

export interface RefreshTokenChanges {
  revoked?: { reason: string };
  expiresAt?: number;
  idleExpiresAt?: number;
  metadata?: Record<string, string>;
}

/** What one execution of an Action asked the platform to do. The pipeline applies it; tests assert on it. */
export interface PostLoginOutcome {
  /** Built with `new URL` + `searchParams.set`, without `state` (the pipeline appends it). */
  redirect?: { url: string };
  denied?: { reason: string };
  /** A redirect asked for in a flow that cannot redirect: Auth0 ends the login with `interaction_required`. */
  interactionRequired?: { reason: string };
  /** The platform aborted the execution (e.g. redirect and render in one Action). */
  aborted?: { reason: string };
  validationError?: { code: string; message: string };
  primaryUserId?: string;
  userMetadata: MetadataChanges;
  appMetadata: MetadataChanges;
  /** user_metadata changes Auth0 discarded because setPrimaryUser ran in the same execution. */
  discardedUserMetadata: MetadataChanges;
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  accessTokenScopes: { added: string[]; removed: string[] };
  multifactor?: { provider: MultifactorProvider; allowRememberBrowser: boolean };
  authenticationSteps: AuthenticationStep[];
  recordedMethods: string[];
  prompt?: { id: string; options: RenderPromptOptions };
  session: SessionChanges;
  refreshToken: RefreshTokenChanges;
  transactionMetadata: Record<string, string | number | boolean>;
}

export function emptyOutcome(): PostLoginOutcome {
  return {
    userMetadata: {},
    appMetadata: {},
    discardedUserMetadata: {},
    idTokenClaims: {},
    accessTokenClaims: {},
    accessTokenScopes: { added: [], removed: [] },
    authenticationSteps: [],
    recordedMethods: [],
    session: {},
    refreshToken: {},
    transactionMetadata: {},
  };
}
