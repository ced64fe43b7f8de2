import { AsyncLocalStorage } from 'node:async_hooks';
import { builtinModules, createRequire } from 'node:module';
import vm from 'node:vm';
import type { Event, PostLoginAPI } from '../../actions/types/post-login.ts';
import type { BoundAction } from '../actions-registry.ts';

export type PostLoginHandler = (event: Event, api: PostLoginAPI) => unknown;

export interface LoadedAction {
  readonly name: string;
  readonly versionId: string;
  readonly secrets: Readonly<Record<string, string>>;
  readonly onExecutePostLogin: PostLoginHandler | undefined;
  readonly onContinuePostLogin: PostLoginHandler | undefined;
}

export type ActionLoadErrorCode = 'module_not_allowed' | 'load_failed';

export class ActionLoadError extends Error {
  readonly code: ActionLoadErrorCode;

  constructor(code: ActionLoadErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ActionLoadError';
    this.code = code;
  }
}

/** Auth0 keeps 256 characters of each console line. */
const MAX_LOG_LINE = 256;
const logSink = new AsyncLocalStorage<string[]>();
const hostRequire = createRequire(import.meta.url);
const builtins = new Set(builtinModules);

/** Runs `work` with the Actions' console lines collected into `lines` (Actions may run concurrently). */
export function captureLogs<T>(lines: string[], work: () => T): T {
  return logSink.run(lines, work);
}

const actionConsole = Object.fromEntries(
  ['log', 'info', 'warn', 'error', 'debug'].map((level) => [
    level,
    (...args: unknown[]) => {
      const line = args.map((arg) => (typeof arg === 'string' ? arg : safeJson(arg))).join(' ');
      logSink.getStore()?.push(line.slice(0, MAX_LOG_LINE));
    },
  ]),
);

/**
 * Compiles deployed code as Auth0 does: a CommonJS module whose `require` reaches Node built-ins and the
 * Action's declared dependencies only. Module scope runs once per deployed version, not per execution.
 */
export function loadAction(action: BoundAction): LoadedAction {
  const declared = new Set(action.dependencies.map((dependency) => dependency.name));
  const actionRequire = (id: string): unknown => {
    const bare = id.startsWith('node:') ? id.slice(5) : id;
    if (builtins.has(bare) || declared.has(packageName(id))) return hostRequire(id);
    throw new ActionLoadError(
      'module_not_allowed',
      `Cannot find module '${id}': declare it as a dependency of the Action`,
    );
  };
  const module = { exports: {} as Record<string, unknown> };
  const filename = `/actions/${action.name}/${action.version_id}.js`;
  try {
    const wrapper = vm.runInThisContext(
      `(function (exports, require, module, __filename, __dirname, console) {${action.code}\n})`,
      { filename },
    ) as (...args: unknown[]) => void;
    wrapper(module.exports, actionRequire, module, filename, `/actions/${action.name}`, actionConsole);
  } catch (cause) {
    if (cause instanceof ActionLoadError) throw cause;
    throw new ActionLoadError(
      'load_failed',
      `Action ${action.name} failed to load: ${(cause as Error)?.message}`,
      { cause },
    );
  }
  const exports = module.exports;
  return Object.freeze({
    name: action.name,
    versionId: action.version_id,
    secrets: Object.freeze({ ...action.secrets }),
    onExecutePostLogin: handler(exports.onExecutePostLogin),
    onContinuePostLogin: handler(exports.onContinuePostLogin),
  });
}

function handler(value: unknown): PostLoginHandler | undefined {
  return typeof value === 'function' ? (value as PostLoginHandler) : undefined;
}

function packageName(id: string): string {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? id);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
