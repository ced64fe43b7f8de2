/**
 * Auth0's one-time code rules for passwordless connections
 * (https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp and .../sms-otp): only the last
 * code issued is accepted, a used code is spent, "only three failed attempts to input the OTP are allowed" (the
 * connection has no option for it), and a code lives three minutes unless the connection's `options.totp`
 * says otherwise: `time_step` seconds, at least 60, and `length` digits, 4 to 40 (the Management API's connection
 * schema, `ConnectionTotpTimeStepPasswordless` and `ConnectionTotpLengthPasswordless`).
 */
export const DEFAULT_CODE_LENGTH = 6;
export const DEFAULT_CODE_LIFETIME_SECONDS = 180;
export const MAX_FAILED_ATTEMPTS = 3;
export const CODE_LENGTH_RANGE = { min: 4, max: 40 } as const;
const MIN_CODE_LIFETIME_SECONDS = 60;

export interface CodeRules {
  readonly length: number;
  readonly lifetimeSeconds: number;
}

/** The rules of a passwordless connection's codes; a missing or out-of-range `totp` field has Auth0's default. */
export function codeRules(connection: { readonly options?: Readonly<Record<string, unknown>> }): CodeRules {
  const totp = connection.options?.totp as { length?: unknown; time_step?: unknown } | undefined;
  return {
    length: integerIn(totp?.length, CODE_LENGTH_RANGE.min, CODE_LENGTH_RANGE.max) ?? DEFAULT_CODE_LENGTH,
    lifetimeSeconds:
      integerIn(totp?.time_step, MIN_CODE_LIFETIME_SECONDS, Infinity) ?? DEFAULT_CODE_LIFETIME_SECONDS,
  };
}

function integerIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? value
    : undefined;
}
