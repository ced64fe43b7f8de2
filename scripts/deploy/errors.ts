export type DeployErrorCode =
  | 'invalid_config'
  | 'bundle_missing'
  | 'bundle_too_large'
  | 'tenant_file_invalid'
  | 'management_error'
  | 'management_timeout'
  | 'ambiguous_client'
  | 'import_failed'
  | 'import_incomplete';

/** A deploy failure a tenant admin can act on; messages never carry a secret value. */
export class DeployError extends Error {
  readonly code: DeployErrorCode;

  constructor(code: DeployErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeployError';
    this.code = code;
  }
}

export interface ConfigProblem {
  readonly variable: string;
  readonly reason: 'missing' | 'invalid';
  readonly message: string;
}

/** Every invalid or missing deploy variable at once, each naming the variable. */
export class DeployConfigError extends DeployError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super('invalid_config', problems.map((p) => p.message).join('; '));
    this.name = 'DeployConfigError';
    this.problems = problems;
  }
}

/** A Management API answer the deploy cannot use; `status` is absent for network failures. */
export class ManagementRequestError extends DeployError {
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('management_error', message, options);
    this.name = 'ManagementRequestError';
    this.status = status;
  }
}
