import { CodedError } from '../core/errors.ts';

export type WebErrorCode =
  | 'token_invalid'
  | 'token_expired'
  | 'cookie_invalid'
  | 'csrf_invalid'
  | 'logout_token_invalid'
  | 'reauth_wrong_account'
  | 'reauth_not_fresh'
  | 'oidc_rejected'
  | 'tenant_unreachable'
  | 'management_not_found'
  | 'management_rate_limited'
  | 'management_conflict'
  | 'management_forbidden'
  | 'management_failed';

export class WebError extends CodedError<WebErrorCode> {}

export type TokenErrorCode = 'token_invalid' | 'token_expired';

export class SessionTokenError extends WebError {
  constructor(code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type OidcErrorCode = 'oidc_rejected' | 'tenant_unreachable';

export class OidcError extends WebError {
  constructor(code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type ManagementErrorCode =
  | 'management_not_found'
  | 'management_rate_limited'
  | 'management_conflict'
  | 'management_forbidden'
  | 'management_failed'
  | 'tenant_unreachable';

export class ManagementPortError extends WebError {
  readonly status: number | undefined;

  constructor(code: ManagementErrorCode, message: string, status?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}
