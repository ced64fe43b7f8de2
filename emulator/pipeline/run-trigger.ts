import type { Event } from '../../actions/types/post-login.ts';
import type { BoundAction } from '../actions-registry.ts';
import { createPostLoginApi } from '../actions-runtime/api.ts';
import { ActionCache } from '../actions-runtime/cache.ts';
import type { PostLoginOutcome } from '../actions-runtime/outcome.ts';
import type { TenantContext } from '../context.ts';
import type { ActionRunEvent } from '../events.ts';
import type { ExecutionResult } from '../tenant-logs.ts';
import { captureLogs, type LoadedAction, loadAction } from './load-action.ts';

/** Auth0 gives each execution 20 s, separately before and after a redirect. */
export const ACTION_TIMEOUT_MS = 20_000;

/** What the Actions asked for, accumulated across the trigger's Actions in binding order. */
export interface PipelineChanges {
  primaryUserId?: string;
  userMetadata: Record<string, unknown>;
  appMetadata: Record<string, unknown>;
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  /** An Action asked for MFA (`api.multifactor.enable`): a login here goes on without it, a refresh fails. */
  multifactor?: string;
}

export type PipelineResult =
  | { status: 'completed'; changes: PipelineChanges }
  | { status: 'redirect'; url: string; actionIndex: number; changes: PipelineChanges }
  | {
      status: 'failed';
      error: 'access_denied' | 'interaction_required' | 'server_error';
      description: string;
    };

export interface PipelineOptions {
  trigger: string;
  bound: () => BoundAction[];
  cache: ActionCache;
  record: (event: ActionRunEvent) => void;
  /** One execution of the trigger (every Action run by one `run`), as Auth0 records it for the login's log event. */
  recordExecution?: (transactionId: string | undefined, results: ExecutionResult[]) => void;
  now?: () => number;
  timeoutMs?: number;
}

export interface RunRequest {
  /** The event without secrets: each Action gets its own. */
  event: Event;
  phase: 'execute' | 'continue';
  /** With `continue`: the index of the Action that redirected. */
  fromIndex?: number | undefined;
  changes?: PipelineChanges | undefined;
}

export function emptyChanges(): PipelineChanges {
  return { userMetadata: {}, appMetadata: {}, idTokenClaims: {}, accessTokenClaims: {} };
}

/** The tenant's post-login pipeline: the bound Actions, one cache, runs recorded as events. Logins and refreshes share it. */
export function tenantPostLoginPipeline(tenant: TenantContext): PostLoginPipeline {
  return new PostLoginPipeline({
    trigger: 'post-login',
    bound: () => tenant.store.actions.boundActions('post-login'),
    cache: new ActionCache(tenant.now),
    record: (event) => tenant.events.record(event),
    recordExecution: (transactionId, results) =>
      tenant.logs.recordExecution('post-login', transactionId, results),
    now: tenant.now,
  });
}

export class PostLoginPipeline {
  readonly #options: PipelineOptions;
  /** Module instances by deployed version: Auth0 reuses an instance across executions. */
  readonly #loaded = new Map<string, LoadedAction>();

  constructor(options: PipelineOptions) {
    this.#options = options;
  }

  async run(request: RunRequest): Promise<PipelineResult> {
    const results: ExecutionResult[] = [];
    try {
      return await this.#run(request, results);
    } finally {
      if (results.length > 0) this.#options.recordExecution?.(request.event.transaction?.id, results);
    }
  }

  async #run(request: RunRequest, results: ExecutionResult[]): Promise<PipelineResult> {
    let actions: LoadedAction[];
    try {
      const bound = this.#options.bound();
      this.#forgetUnbound(bound);
      actions = bound.map((action) => this.#load(action));
    } catch (cause) {
      return failed('server_error', cause instanceof Error ? cause.message : String(cause));
    }
    const changes = request.changes ?? emptyChanges();
    const first = request.phase === 'continue' ? (request.fromIndex ?? 0) : 0;
    for (let index = first; index < actions.length; index++) {
      const action = actions[index];
      if (action === undefined) continue;
      const phase = index === first ? request.phase : 'execute';
      const handler = phase === 'continue' ? action.onContinuePostLogin : action.onExecutePostLogin;
      if (handler === undefined) {
        if (phase === 'continue')
          return failed('server_error', `Action ${action.name} has no onContinuePostLogin`);
        continue;
      }
      const event = { ...request.event, secrets: { ...action.secrets } };
      const { api, outcome } = createPostLoginApi({
        event,
        cache: this.#options.cache,
        now: this.#options.now,
        phase,
      });
      const result = await this.#execute(action, phase, () => handler(event, api), event, outcome, results);
      if (result !== undefined) return result;
      const stop = this.#apply(outcome, changes);
      if (stop !== undefined) return stop;
      if (outcome.redirect !== undefined)
        return { status: 'redirect', url: outcome.redirect.url, actionIndex: index, changes };
    }
    return { status: 'completed', changes };
  }

  /** A version no longer bound is not run again: a later deployment of it gets a new instance, and memory stays flat. */
  #forgetUnbound(bound: readonly BoundAction[]): void {
    const current = new Set(bound.map((action) => action.version_id));
    for (const versionId of this.#loaded.keys()) if (!current.has(versionId)) this.#loaded.delete(versionId);
  }

  #load(bound: BoundAction): LoadedAction {
    const cached = this.#loaded.get(bound.version_id);
    if (cached !== undefined) return cached;
    const loaded = loadAction(bound);
    this.#loaded.set(bound.version_id, loaded);
    return loaded;
  }

  async #execute(
    action: LoadedAction,
    phase: 'execute' | 'continue',
    work: () => unknown,
    event: Event,
    outcome: PostLoginOutcome,
    results: ExecutionResult[],
  ): Promise<PipelineResult | undefined> {
    const logs: string[] = [];
    const now = this.#options.now ?? Date.now;
    const startedAt = new Date(now()).toISOString();
    const started = performance.now();
    const timeoutMs = this.#options.timeoutMs ?? ACTION_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Script Execution Time Exceeded (${timeoutMs} ms)`)),
        timeoutMs,
      );
    });
    const record = (error?: Error) => {
      results.push({
        action_name: action.name,
        error: error === undefined ? null : { msg: error.message },
        started_at: startedAt,
        ended_at: new Date(now()).toISOString(),
        logs: logs.map((line) => `${line}\n`).join(''),
      });
      this.#options.record({
        type: 'action',
        trigger: this.#options.trigger,
        action: action.name,
        phase,
        user_id: event.user.user_id,
        logs,
        outcome,
        duration_ms: Math.round(performance.now() - started),
        ...(error === undefined ? {} : { error: { message: error.message } }),
      });
    };
    try {
      await Promise.race([captureLogs(logs, async () => work()), timeout]);
      record();
      return undefined;
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      record(error);
      return failed('server_error', `Action ${action.name} failed: ${error.message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  #apply(outcome: PostLoginOutcome, changes: PipelineChanges): PipelineResult | undefined {
    if (outcome.denied !== undefined) return failed('access_denied', outcome.denied.reason);
    if (outcome.interactionRequired !== undefined)
      return failed('interaction_required', outcome.interactionRequired.reason);
    if (outcome.aborted !== undefined) return failed('server_error', outcome.aborted.reason);
    if (outcome.validationError !== undefined)
      return failed('access_denied', outcome.validationError.message);
    if (outcome.primaryUserId !== undefined) {
      if (changes.primaryUserId !== undefined && changes.primaryUserId !== outcome.primaryUserId) {
        return failed('server_error', 'The primary user can only be altered once per transaction');
      }
      changes.primaryUserId = outcome.primaryUserId;
    }
    Object.assign(changes.userMetadata, outcome.userMetadata);
    Object.assign(changes.appMetadata, outcome.appMetadata);
    Object.assign(changes.idTokenClaims, outcome.idTokenClaims);
    Object.assign(changes.accessTokenClaims, outcome.accessTokenClaims);
    if (outcome.multifactor !== undefined) changes.multifactor = outcome.multifactor.provider;
    return undefined;
  }
}

function failed(
  error: 'access_denied' | 'interaction_required' | 'server_error',
  description: string,
): PipelineResult {
  return { status: 'failed', error, description };
}
