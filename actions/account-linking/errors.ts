export type ManagementErrorCode =
  | 'timeout'
  | 'network'
  | 'rate_limited'
  | 'server_error'
  | 'unauthorized'
  | 'request_failed'
  | 'invalid_response'
  | 'deadline_exceeded';

export class ManagementError extends Error {
  readonly code: ManagementErrorCode;
  readonly status: number | undefined;

  constructor(
    code: ManagementErrorCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ManagementError';
    this.code = code;
    this.status = options.status;
  }
}
