// Types of Auth0's post-login trigger (v3): the `event` an Action receives and the `api` it acts through.
// Written from https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger
// (post-login-event-object, post-login-api-object); no installable package ships them here.

import type { Metadata } from '../../core/users.ts';

export type Secrets = Record<string, string>;

export type Protocol =
  | 'oidc-basic-profile'
  | 'oidc-implicit-profile'
  | 'oidc-hybrid-profile'
  | 'oidc-ciba'
  | 'oauth2-device-code'
  | 'oauth2-resource-owner'
  | 'oauth2-resource-owner-jwt-bearer'
  | 'oauth2-password'
  | 'oauth2-webauthn'
  | 'oauth2-access-token'
  | 'oauth2-refresh-token'
  | 'oauth2-token-exchange'
  | 'samlp'
  | 'wsfed'
  | 'wstrust-usernamemixed';

export interface Identity {
  connection: string;
  provider: string;
  /** Provider-local id, without the `provider|` prefix of `User.user_id`. */
  user_id: string;
  isSocial: boolean;
  /** For linked secondaries: the secondary's profile. */
  profileData?: Record<string, unknown>;
}

export interface EnrolledFactor {
  type: string;
  options?: Record<string, unknown>;
}

export interface User {
  user_id: string;
  email?: string;
  email_verified: boolean;
  username?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  nickname?: string;
  phone_number?: string;
  phone_verified?: boolean;
  picture?: string;
  created_at: string;
  updated_at: string;
  last_password_reset?: string;
  app_metadata: Metadata;
  user_metadata: Metadata;
  identities: Identity[];
  multifactor?: string[];
  enrolledFactors?: EnrolledFactor[];
  [key: string]: unknown;
}

export interface Connection {
  id: string;
  name: string;
  strategy: string;
  metadata?: Record<string, string>;
}

export interface Client {
  client_id: string;
  name: string;
  metadata: Record<string, string>;
}

export type ResponseMode = 'query' | 'fragment' | 'form_post' | 'web_message';
export type ResponseType = 'code' | 'token' | 'id_token';

export interface AuthorizationDetail {
  type: string;
  [key: string]: unknown;
}

export interface Transaction {
  /** Stable across redirects in browser flows. */
  id: string;
  acr_values: string[];
  locale: string;
  requested_scopes: string[];
  ui_locales: string[];
  protocol: Protocol;
  redirect_uri?: string;
  prompt?: string[];
  login_hint?: string;
  response_mode?: ResponseMode;
  response_type?: ResponseType[];
  /** The application's OAuth `state`, not the `/continue` state. */
  state?: string;
  linking_id?: string;
  requested_authorization_details?: AuthorizationDetail[];
  metadata?: Record<string, string>;
}

export interface GeoIp {
  cityName?: string;
  continentCode?: string;
  countryCode?: string;
  countryCode3?: string;
  countryName?: string;
  latitude?: number;
  longitude?: number;
  subdivisionCode?: string;
  subdivisionName?: string;
  timeZone?: string;
}

export type RequestParams = Record<string, string>;

export interface Request {
  ip: string;
  asn?: string;
  method: string;
  /** `/authorize` query; on resume, the `/continue` query. */
  query: RequestParams;
  /** POST body; on resume, the `/continue` form body. */
  body: RequestParams;
  geoip: GeoIp;
  hostname?: string;
  language?: string;
  user_agent?: string;
}

export type AuthenticationMethodName =
  | 'pwd'
  | 'federated'
  | 'passkey'
  | 'sms'
  | 'email'
  | 'phone_number'
  | 'mock'
  | (string & {});

export type AuthenticationMethod =
  | { name: 'mfa'; timestamp: string; type?: string }
  | { name: AuthenticationMethodName; timestamp: string };

export interface RiskAssessment {
  confidence: 'low' | 'medium' | 'high' | 'neutral';
  version: string;
  assessments: Record<string, unknown>;
}

export interface Authentication {
  methods: AuthenticationMethod[];
  riskAssessment?: RiskAssessment;
}

export interface Organization {
  id: string;
  name: string;
  display_name: string;
  metadata: Record<string, string>;
}

export interface Session {
  id: string;
  device?: {
    initial_ip?: string;
    initial_asn?: string;
    initial_user_agent?: string;
    last_ip?: string;
    last_asn?: string;
    last_user_agent?: string;
  };
  user_id?: string;
  created_at?: string;
  updated_at?: string;
  authenticated_at?: string;
  expires_at?: string;
  idle_expires_at?: string;
  last_interacted_at?: string;
  clients?: { client_id: string }[];
  metadata?: Record<string, string>;
}

export interface RefreshToken {
  id: string;
  client_id: string;
  created_at: string;
  expires_at?: string;
  idle_expires_at?: string;
  session_id?: string;
  device?: Session['device'];
  metadata?: Record<string, string>;
}

export interface Event {
  user: User;
  connection: Connection;
  client: Client;
  transaction?: Transaction;
  request: Request;
  secrets: Secrets;
  configuration: Record<string, string>;
  stats: { logins_count: number };
  authentication?: Authentication;
  authorization?: { roles: string[] };
  organization?: Organization;
  tenant: { id: string };
  resource_server?: { identifier: string };
  session?: Session;
  prompt?: { id: string; vars?: Record<string, unknown> };
  refresh_token?: RefreshToken;
  custom_domain?: { domain: string; domain_metadata?: Record<string, string> };
  security_context?: { ja3?: string; ja4?: string };
  session_transfer_token?: Record<string, unknown>;
}

export type PostLoginEvent = Event;

// Cache

export interface CacheRecord {
  value: string;
  /** Epoch milliseconds. */
  expires_at: number;
}

export interface CacheWriteOptions {
  /** Milliseconds; default 15 minutes, at most 24 hours. */
  ttl?: number;
  /** Epoch milliseconds; at most 24 hours ahead. */
  expires_at?: number;
}

export type CacheErrorCode =
  | 'CacheKeySizeExceeded'
  | 'CacheValueSizeExceeded'
  | 'CacheSizeExceeded'
  | 'ItemAlreadyExpired'
  | 'InvalidExpiry'
  | 'MaxSideEffectsExceeded'
  | 'FailedToSetCacheRecord';

export type CacheDeleteErrorCode =
  | 'CacheKeyDoesNotExist'
  | 'MaxSideEffectsExceeded'
  | 'FailedToDeleteCacheRecord';

export type CacheWriteResult =
  | { type: 'success'; record: CacheRecord }
  | { type: 'error'; code: CacheErrorCode };

export type CacheDeleteResult = { type: 'success' } | { type: 'error'; code: CacheDeleteErrorCode };

export interface CacheAPI {
  get(key: string): CacheRecord | undefined;
  set(key: string, value: string, options?: CacheWriteOptions): CacheWriteResult;
  delete(key: string): CacheDeleteResult;
}

// API

export type Factor =
  | { type: 'otp' }
  | { type: 'push-notification'; options?: { otpFallback?: boolean } }
  | { type: 'phone'; options?: { preferredMethod?: 'voice' | 'sms' | 'both' } }
  | { type: 'webauthn-platform' }
  | { type: 'webauthn-roaming' }
  | { type: 'email' }
  | { type: 'recovery-code' };

export type FactorType = Factor['type'];

export type MultifactorProvider = 'any' | 'duo' | 'google-authenticator' | 'guardian' | 'none';

export interface EncodeTokenOptions {
  secret: string;
  payload: Record<string, unknown>;
  /** Default 900. */
  expiresInSeconds?: number;
}

export interface ValidateTokenOptions {
  secret: string;
  /** Default `session_token`. */
  tokenParameterName?: string;
}

export interface SendUserToOptions {
  query?: Record<string, string>;
}

export interface RenderPromptOptions {
  fields?: Record<string, unknown>;
  vars?: Record<string, unknown>;
}

export type CookieMode = 'persistent' | 'non-persistent';

export interface PostLoginAPI {
  access: {
    deny(reason: string): PostLoginAPI;
  };
  accessToken: {
    setCustomClaim(name: string, value: unknown): PostLoginAPI;
    addScope(scope: string): void;
    removeScope(scope: string): void;
  };
  idToken: {
    setCustomClaim(name: string, value: unknown): PostLoginAPI;
  };
  user: {
    setAppMetadata(name: string, value: unknown): PostLoginAPI;
    setUserMetadata(name: string, value: unknown): PostLoginAPI;
  };
  authentication: {
    setPrimaryUser(primaryUserId: string): void;
    challengeWith(factor: Factor, options?: { additionalFactors?: Factor[] }): void;
    challengeWithAny(factors?: Factor[]): void;
    enrollWith(factor: Factor, options?: { additionalFactors?: Factor[] }): void;
    enrollWithAny(factors: Factor[]): void;
    recordMethod(providerUrl: string): PostLoginAPI;
  };
  multifactor: {
    enable(
      provider: MultifactorProvider,
      options?: { allowRememberBrowser?: boolean; providerOptions?: Record<string, unknown> },
    ): PostLoginAPI;
  };
  redirect: {
    sendUserTo(url: string, options?: SendUserToOptions): PostLoginAPI;
    encodeToken(options: EncodeTokenOptions): string;
    validateToken(options: ValidateTokenOptions): Record<string, unknown>;
    /** Deprecated by Auth0, still present. */
    canRedirect(): boolean;
  };
  cache: CacheAPI;
  session: {
    revoke(reason: string, options?: { preserveRefreshTokens?: boolean }): void;
    setExpiresAt(absolute: number): void;
    setIdleExpiresAt(absolute: number): void;
    setCookieMode(mode: CookieMode): void;
    setMetadata(key: string, value: string): void;
    deleteMetadata(key: string): void;
    evictMetadata(): void;
  };
  refreshToken: {
    revoke(reason: string): void;
    setExpiresAt(absolute: number): void;
    setIdleExpiresAt(absolute: number): void;
    setMetadata(key: string, value: string): void;
    deleteMetadata(key: string): void;
    evictMetadata(): void;
  };
  validation: {
    error(errorCode: string, errorMessage: string): PostLoginAPI;
  };
  prompt: {
    render(promptId: string, options?: RenderPromptOptions): void;
  };
  transaction: {
    setMetadata(key: string, value: string | number | boolean): void;
  };
}
