import { badRequest, conflict, found, notFound } from './errors.ts';
import { uuid } from './ids.ts';

export interface ActionSecret {
  name: string;
  value: string;
  updated_at: string;
}

export interface ActionDependency {
  name: string;
  version: string;
  registry_url?: string;
}

export interface SupportedTrigger {
  id: string;
  version: string;
}

export interface ActionVersionRecord {
  id: string;
  action_id: string;
  number: number;
  code: string;
  runtime: string;
  dependencies: ActionDependency[];
  secrets: ActionSecret[];
  supported_triggers: SupportedTrigger[];
  deployed: boolean;
  status: 'built';
  created_at: string;
  updated_at: string;
}

export interface ActionRecord {
  id: string;
  name: string;
  code: string;
  runtime: string;
  dependencies: ActionDependency[];
  secrets: ActionSecret[];
  supported_triggers: SupportedTrigger[];
  /** When the simulated build of the current draft completes (epoch ms). */
  built_at: number;
  all_changes_deployed: boolean;
  deployed_version_id?: string;
  created_at: string;
  updated_at: string;
}

export interface BindingRecord {
  id: string;
  trigger_id: string;
  action_id: string;
  display_name: string;
  created_at: string;
  updated_at: string;
}

export interface ActionDraft {
  name?: string;
  code?: string;
  runtime?: string;
  dependencies?: ActionDependency[];
  secrets?: Array<{ name: string; value?: string }>;
  supported_triggers?: SupportedTrigger[];
}

export interface BindingRef {
  ref: { type: 'action_name' | 'action_id'; value: string };
  display_name?: string;
}

/** What the post-login pipeline runs: one bound, deployed Action version. */
export interface BoundAction {
  binding_id: string;
  action_id: string;
  name: string;
  version_id: string;
  version_number: number;
  code: string;
  runtime: string;
  dependencies: ActionDependency[];
  secrets: Record<string, string>;
}

export interface ActionsState {
  actions: ActionRecord[];
  versions: ActionVersionRecord[];
  bindings: BindingRecord[];
  revision: number;
}

/** Auth0's per-Action code limit, enforced at deploy. */
export const MAX_ACTION_CODE_BYTES = 100 * 1024;

export const TRIGGERS = [
  'post-login',
  'credentials-exchange',
  'pre-user-registration',
  'post-user-registration',
  'post-change-password',
  'send-phone-message',
] as const;

export class ActionsRegistry {
  readonly #actions = new Map<string, ActionRecord>();
  readonly #versions = new Map<string, ActionVersionRecord>();
  #bindings: BindingRecord[] = [];
  #revision = 0;
  readonly #now: () => number;
  readonly #buildMs: number;
  readonly #changed: () => void;

  constructor(options: { now: () => number; buildMs: number; changed: () => void }) {
    this.#now = options.now;
    this.#buildMs = options.buildMs;
    this.#changed = options.changed;
  }

  /** Increases whenever what a trigger runs may have changed (deploy, bindings, delete). */
  get revision(): number {
    return this.#revision;
  }

  list(): ActionRecord[] {
    return [...this.#actions.values()];
  }

  get(id: string): ActionRecord {
    return found(this.#actions.get(id), 'The action does not exist.', 'action_not_found');
  }

  status(action: ActionRecord): 'building' | 'built' {
    return this.#now() >= action.built_at ? 'built' : 'building';
  }

  create(draft: ActionDraft): ActionRecord {
    if (!draft.name)
      throw badRequest("Payload validation error: 'Missing required property: name'.", 'invalid_body');
    if (!draft.supported_triggers?.length) {
      throw badRequest(
        "Payload validation error: 'Missing required property: supported_triggers'.",
        'invalid_body',
      );
    }
    if (this.list().some((a) => a.name === draft.name)) {
      throw conflict(`An action with the name '${draft.name}' already exists.`, 'action_conflict');
    }
    const at = this.#iso();
    const action: ActionRecord = {
      id: uuid(),
      name: draft.name,
      code: draft.code ?? '',
      runtime: draft.runtime ?? 'node22',
      dependencies: draft.dependencies ?? [],
      secrets: this.#secrets(draft.secrets, []),
      supported_triggers: draft.supported_triggers,
      built_at: this.#now() + this.#buildMs,
      all_changes_deployed: false,
      created_at: at,
      updated_at: at,
    };
    this.#actions.set(action.id, action);
    this.#changed();
    return action;
  }

  update(id: string, draft: ActionDraft): ActionRecord {
    const action = this.get(id);
    if (
      draft.name !== undefined &&
      draft.name !== action.name &&
      this.list().some((a) => a.name === draft.name)
    ) {
      throw conflict(`An action with the name '${draft.name}' already exists.`, 'action_conflict');
    }
    if (draft.name !== undefined) action.name = draft.name;
    if (draft.code !== undefined) action.code = draft.code;
    if (draft.runtime !== undefined) action.runtime = draft.runtime;
    if (draft.dependencies !== undefined) action.dependencies = draft.dependencies;
    if (draft.supported_triggers !== undefined) action.supported_triggers = draft.supported_triggers;
    if (draft.secrets !== undefined) action.secrets = this.#secrets(draft.secrets, action.secrets);
    action.built_at = this.#now() + this.#buildMs;
    action.all_changes_deployed = false;
    action.updated_at = this.#iso();
    this.#changed();
    return action;
  }

  delete(id: string, force: boolean): void {
    const action = this.get(id);
    const bound = this.#bindings.some((b) => b.action_id === id);
    if (bound && !force) {
      throw badRequest(
        'The action is bound to a trigger; unbind it or delete with force=true.',
        'action_bound',
      );
    }
    this.#bindings = this.#bindings.filter((b) => b.action_id !== id);
    for (const version of this.versions(id)) this.#versions.delete(version.id);
    this.#actions.delete(action.id);
    this.#revision += 1;
    this.#changed();
  }

  deploy(id: string): ActionVersionRecord {
    const action = this.get(id);
    if (this.status(action) !== 'built') {
      throw badRequest(
        "An action must be in the 'built' state before it can be deployed.",
        'invalid_action_state',
      );
    }
    if (Buffer.byteLength(action.code, 'utf8') > MAX_ACTION_CODE_BYTES) {
      throw badRequest(
        `The action code exceeds the maximum size of ${MAX_ACTION_CODE_BYTES} bytes.`,
        'action_code_too_large',
      );
    }
    const previous = this.versions(id);
    for (const version of previous) version.deployed = false;
    const at = this.#iso();
    const version: ActionVersionRecord = {
      id: uuid(),
      action_id: id,
      number: previous.length + 1,
      code: action.code,
      runtime: action.runtime,
      dependencies: structuredClone(action.dependencies),
      secrets: structuredClone(action.secrets),
      supported_triggers: structuredClone(action.supported_triggers),
      deployed: true,
      status: 'built',
      created_at: at,
      updated_at: at,
    };
    this.#versions.set(version.id, version);
    action.deployed_version_id = version.id;
    action.all_changes_deployed = true;
    this.#revision += 1;
    this.#changed();
    return version;
  }

  versions(actionId: string): ActionVersionRecord[] {
    return [...this.#versions.values()]
      .filter((v) => v.action_id === actionId)
      .sort((a, b) => b.number - a.number);
  }

  version(actionId: string, versionId: string): ActionVersionRecord {
    const version = this.#versions.get(versionId);
    if (!version || version.action_id !== actionId) throw notFound('The action version does not exist.');
    return version;
  }

  deployedVersion(action: ActionRecord): ActionVersionRecord | undefined {
    return action.deployed_version_id ? this.#versions.get(action.deployed_version_id) : undefined;
  }

  bindings(triggerId: string): BindingRecord[] {
    return this.#bindings.filter((b) => b.trigger_id === triggerId);
  }

  /** Replaces the trigger's whole binding list, as Auth0's PATCH does. */
  replaceBindings(triggerId: string, refs: BindingRef[]): BindingRecord[] {
    const at = this.#iso();
    const next = refs.map((entry): BindingRecord => {
      const action =
        entry.ref.type === 'action_id'
          ? this.#actions.get(entry.ref.value)
          : this.list().find((a) => a.name === entry.ref.value);
      if (!action) throw badRequest('That action does not exist.', 'action_not_found');
      if (!action.deployed_version_id) {
        throw badRequest(
          'Trying to create a binding for an action that has not been deployed.',
          'action_not_deployed',
        );
      }
      if (!action.supported_triggers.some((t) => t.id === triggerId)) {
        throw badRequest(`The action does not support the trigger '${triggerId}'.`, 'invalid_trigger');
      }
      return {
        id: uuid(),
        trigger_id: triggerId,
        action_id: action.id,
        display_name: entry.display_name ?? action.name,
        created_at: at,
        updated_at: at,
      };
    });
    this.#bindings = [...this.#bindings.filter((b) => b.trigger_id !== triggerId), ...next];
    this.#revision += 1;
    this.#changed();
    return next;
  }

  /** The deployed code, secrets and dependencies of each Action bound to a trigger, in execution order. */
  boundActions(triggerId: string): BoundAction[] {
    const out: BoundAction[] = [];
    for (const binding of this.bindings(triggerId)) {
      const action = this.#actions.get(binding.action_id);
      const version = action && this.deployedVersion(action);
      if (!action || !version) continue;
      out.push({
        binding_id: binding.id,
        action_id: action.id,
        name: action.name,
        version_id: version.id,
        version_number: version.number,
        code: version.code,
        runtime: version.runtime,
        dependencies: version.dependencies,
        secrets: Object.fromEntries(version.secrets.map((s) => [s.name, s.value])),
      });
    }
    return out;
  }

  clear(): void {
    this.#actions.clear();
    this.#versions.clear();
    this.#bindings = [];
    this.#revision += 1;
    this.#changed();
  }

  state(): ActionsState {
    return {
      actions: this.list(),
      versions: [...this.#versions.values()],
      bindings: this.#bindings,
      revision: this.#revision,
    };
  }

  restore(state: ActionsState): void {
    this.#actions.clear();
    this.#versions.clear();
    for (const action of state.actions) this.#actions.set(action.id, action);
    for (const version of state.versions) this.#versions.set(version.id, version);
    this.#bindings = state.bindings;
    this.#revision = state.revision + 1;
  }

  #secrets(given: ActionDraft['secrets'], current: ActionSecret[]): ActionSecret[] {
    if (!given) return [];
    const at = this.#iso();
    return given.map((secret) => {
      const previous = current.find((c) => c.name === secret.name);
      if (secret.value === undefined) return previous ?? { name: secret.name, value: '', updated_at: at };
      return previous?.value === secret.value
        ? previous
        : { name: secret.name, value: secret.value, updated_at: at };
    });
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}
