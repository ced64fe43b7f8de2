import { CodedError } from '../../core/errors.ts';

export type ActionsRuntimeErrorCode =
  | 'primary_user_already_set'
  | 'invalid_primary_user_id'
  | 'record_method_outside_continue'
  | 'reserved_claim'
  | 'invalid_metadata'
  | 'invalid_redirect_url'
  | 'missing_token_parameter'
  | 'invalid_session_token'
  | 'invalid_session_token_secret'
  | 'redirect_already_requested';

export class ActionsRuntimeError extends CodedError<ActionsRuntimeErrorCode> {}

export class RedirectTokenError extends ActionsRuntimeError {
  readonly reason: string;

  constructor(reason: string, options?: { cause?: unknown }) {
    super('invalid_session_token', `The session token is invalid: ${reason}`, options);
    this.name = 'RedirectTokenError';
    this.reason = reason;
  }
}
