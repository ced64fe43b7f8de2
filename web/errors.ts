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
  | 'tenant_error'
  | 'email_code_wrong'
  | 'email_code_wrong_address';

export class WebError extends CodedError<WebErrorCode> {}

/** The tenant did not answer (`tenant_unreachable`) or answered with its own error (`tenant_error`): try again later. */
export type TenantFailure = 'tenant_unreachable' | 'tenant_error';

export function isTenantFailure(code: WebErrorCode): code is TenantFailure {
  return code === 'tenant_unreachable' || code === 'tenant_error';
}

export type TokenErrorCode = 'token_invalid' | 'token_expired';

export class SessionTokenError extends WebError {
  constructor(code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type OidcErrorCode = 'oidc_rejected' | 'tenant_unreachable' | 'tenant_error';

export class OidcError extends WebError {
  constructor(code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
