import { CodedError } from '../../core/errors.ts';
import type { ManagementApiError } from '../../core/management-client.ts';

export type BackfillErrorCode =
  | 'invalid_config'
  | 'invalid_arguments'
  | 'invalid_plan'
  | 'plan_tenant_mismatch'
  | 'invalid_journal'
  | 'journal_mismatch'
  | 'invalid_export'
  | 'export_failed'
  | 'link_refusals'
  | 'journal_closed'
  | 'interrupted'
  | 'not_linked';

/** A backfill or unlink failure a tenant admin can act on; messages never carry a secret, token or email. */
export class BackfillError extends CodedError<BackfillErrorCode> {}

/** A missing or invalid environment variable, named. */
export class BackfillConfigError extends BackfillError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super('invalid_config', message);
    this.name = 'BackfillConfigError';
    this.variable = variable;
  }
}

/** A line of a plan or journal file that cannot be used; raised before any write. */
export class FileLineError extends BackfillError {
  readonly file: string;
  readonly line: number;

  constructor(
    code: 'invalid_plan' | 'plan_tenant_mismatch' | 'invalid_journal' | 'journal_mismatch',
    file: string,
    line: number,
    reason: string,
  ) {
    super(code, `${file} line ${line}: ${reason}`);
    this.name = 'FileLineError';
    this.file = file;
    this.line = line;
  }
}

/**
 * A Management API answer the backfill cannot use; `status` is absent for network failures, `missingScope` names
 * what a 403 says the client's grant lacks.
 */
/**
 * The tenant refused `refusals` links in a row with the same `status`: a refusal that repeats for every account
 * points at the plan, the credential or the tenant, not at the accounts, so the run stops instead of merging
 * every account and linking none.
 */
export class LinkRefusalsError extends BackfillError {
  readonly status: number;
  readonly refusals: number;

  constructor(status: number, refusals: number, last: ManagementApiError) {
    super(
      'link_refusals',
      `${refusals} links in a row refused with ${status} (last: ${last.message}); stopping, since the cause is ` +
        'unlikely to be the accounts: fix it and run again (the skipped ones are in the journal; plan again to retry them)',
      { cause: last },
    );
    this.name = 'LinkRefusalsError';
    this.status = status;
    this.refusals = refusals;
  }
}
