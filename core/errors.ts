export type ConfigErrorCode = 'missing_secret' | 'invalid_secret';

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly secret: string;

  constructor(code: ConfigErrorCode, secret: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
    this.secret = secret;
  }
}
