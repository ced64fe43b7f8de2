/**
 * A failure with a stable `code` from a closed union, for callers to switch on; subclasses add the facts. `name` is
 * the class's own (code bundled for the Action is minified: its errors set `name` themselves).
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export type ConfigProblemReason = 'missing' | 'invalid';

/**
 * A missing or invalid setting (an Action secret or an environment variable), named in `variable`. The Action, the
 * web app and the scripts all report it with the code `invalid_config`.
 */
export class ConfigError extends CodedError<'invalid_config'> {
  readonly reason: ConfigProblemReason;
  readonly variable: string;

  constructor(reason: ConfigProblemReason, variable: string, message: string) {
    super('invalid_config', message);
    this.name = 'ConfigError';
    this.reason = reason;
    this.variable = variable;
  }
}

export type UnlinkErrorCode = 'not_linked' | 'unlink_primary' | 'unlink_last';

/** An unlink refused before any write: the account page and `npm run unlink` each say it their way. */
export class UnlinkError extends Error {
  readonly code: UnlinkErrorCode;

  constructor(code: UnlinkErrorCode, message: string) {
    super(message);
    this.name = 'UnlinkError';
    this.code = code;
  }
}
