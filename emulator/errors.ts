import { STATUS_CODES } from 'node:http';

/** The reason phrase Auth0 puts in an error body's `error` field (`Too Many Requests`). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorCode?: string;
}

/** A Management API failure, answered with Auth0's body `{statusCode, error, message, errorCode}`. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly errorCode: string | undefined;

  constructor(statusCode: number, message: string, errorCode?: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }

  toBody(): ApiErrorBody {
    const body: ApiErrorBody = {
      statusCode: this.statusCode,
      error: reasonPhrase(this.statusCode),
      message: this.message,
    };
    if (this.errorCode !== undefined) body.errorCode = this.errorCode;
    return body;
  }
}

export function badRequest(message: string, errorCode?: string): ApiError {
  return new ApiError(400, message, errorCode);
}

export function notFound(message: string, errorCode?: string): ApiError {
  return new ApiError(404, message, errorCode);
}

/** `value`, or Auth0's 404 with `message` and `errorCode` when there is none. */
export function found<T>(value: T | undefined, message: string, errorCode: string): T {
  if (value === undefined) throw notFound(message, errorCode);
  return value;
}

export function conflict(message: string, errorCode?: string): ApiError {
  return new ApiError(409, message, errorCode);
}

export function inexistentUser(): ApiError {
  return new ApiError(404, 'The user does not exist.', 'inexistent_user');
}

/** An `/oauth/token` failure, answered as RFC 6749 section 5.2 `{error, error_description}`. */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;

  constructor(status: number, error: string, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}
