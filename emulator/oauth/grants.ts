import type { Context } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store.ts';

export interface TokenRequest {
  /** Body parameters (form or JSON), strings only. */
  params: Record<string, string>;
  client: ClientRecord;
  /** True when the client proved its secret (`client_secret_post` or `client_secret_basic`). */
  authenticated: boolean;
  http: Context<TenantEnv>;
  /** What the handler learns that the exchange's log event shows; filled as the handler goes, read after it. */
  facts: ExchangeLogFacts;
}

export interface ExchangeLogFacts {
  userId?: string | undefined;
  connection?: string | undefined;
  /** The post-login Actions' transaction, whose executions the event names. */
  transactionId?: string | undefined;
}

export type TokenResponse = Record<string, unknown> & {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
};

/** Handles one `grant_type` of `/oauth/token`; throws `OAuthError` for RFC 6749 errors. */
export type GrantHandler = (request: TokenRequest, tenant: TenantContext) => Promise<TokenResponse>;

/** A confidential client (any `token_endpoint_auth_method` but `none`) must prove its secret. */
export function requireSecretOfConfidentialClient(client: ClientRecord, authenticated: boolean): void {
  if (client.token_endpoint_auth_method !== 'none' && !authenticated)
    throw new OAuthError(401, 'access_denied', 'Unauthorized');
}
