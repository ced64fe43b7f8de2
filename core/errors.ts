export type ConfigProblemReason = 'missing' | 'invalid';

/**
 * A missing or invalid setting (an Action secret or an environment variable), named in `variable`. The Action, the
 * web app and the scripts all report it with the code `invalid_config`.
 */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  readonly reason: ConfigProblemReason;
  readonly variable: string;

  constructor(reason: ConfigProblemReason, variable: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.reason = reason;
    this.variable = variable;
  }
}
