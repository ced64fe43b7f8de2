import { CodedError } from '../../core/errors.ts';

export type DeployErrorCode =
  | 'invalid_config'
  | 'bundle_missing'
  | 'bundle_too_large'
  | 'tenant_file_invalid'
  | 'ambiguous_client'
  | 'import_failed'
  | 'import_incomplete';

/** A deploy failure a tenant admin can act on; messages never carry a secret value. */
export class DeployError extends CodedError<DeployErrorCode> {}

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
