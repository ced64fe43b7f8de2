import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployConfig } from './config.ts';
import { DeployError, ManagementRequestError } from './errors.ts';

export interface RemoteClient {
  client_id: string;
  name: string;
  client_secret?: string;
  client_metadata?: Record<string, string>;
  [field: string]: unknown;
}

export interface RemoteGrant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
}

export interface RemoteActionVersion {
  id: string;
  number?: number;
  code: string;
  runtime: string;
  secrets?: Array<{ name: string }>;
}

export interface RemoteAction {
  id: string;
  name: string;
  code: string;
  runtime: string;
  supported_triggers: Array<{ id: string; version: string }>;
  secrets?: Array<{ name: string }>;
  all_changes_deployed?: boolean;
  deployed_version?: RemoteActionVersion;
}

export interface RemoteBinding {
  display_name: string;
  action: { id: string; name: string };
}

/** The deploy's reads and its one write (the fingerprint), over the Management API. */
export interface ManagementPort {
  listClients(): Promise<RemoteClient[]>;
  clientSecret(clientId: string): Promise<string>;
  listGrants(): Promise<RemoteGrant[]>;
  findAction(name: string): Promise<RemoteAction | undefined>;
  postLoginBindings(): Promise<RemoteBinding[]>;
  setClientMetadata(clientId: string, metadata: Record<string, string>): Promise<void>;
  /** Requests sent so far (token included). */
  readonly requests: number;
}

const TIMEOUT_MS = 15_000;
const MAX_ATTEMPTS = 4;
const MAX_RETRY_WAIT_MS = 10_000;
const PER_PAGE = 100;

/** A fetch-based Management client with the deploy credential; constructing it sends nothing. */
export function createManagementPort(
  config: Pick<DeployConfig, 'domain' | 'clientId' | 'clientSecret'>,
): ManagementPort {
  const base = `https://${config.domain}`;
  let token: Promise<string> | undefined;
  let requests = 0;

  async function send(method: string, url: string, init: RequestInit): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      requests += 1;
      let response: Response;
      try {
        response = await fetch(url, { ...init, method, signal: AbortSignal.timeout(TIMEOUT_MS) });
      } catch (cause) {
        const timedOut = (cause as Error).name === 'TimeoutError';
        if (attempt < MAX_ATTEMPTS) continue;
        throw timedOut
          ? new DeployError('management_timeout', `${method} ${redact(url)} timed out after ${TIMEOUT_MS} ms`)
          : new ManagementRequestError(`${method} ${redact(url)} failed: ${(cause as Error).message}`);
      }
      if ((response.status === 429 || response.status >= 500) && attempt < MAX_ATTEMPTS) {
        await response.body?.cancel();
        await sleep(retryDelay(response, attempt));
        continue;
      }
      return response;
    }
  }

  function accessToken(): Promise<string> {
    token ??= requestToken().catch((error: unknown) => {
      token = undefined;
      throw error;
    });
    return token;
  }

  async function requestToken(): Promise<string> {
    const response = await send('POST', `${base}/oauth/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: config.clientId,
        client_secret: config.clientSecret,
        audience: `${base}/api/v2/`,
      }),
    });
    const body = await readJson(response, 'POST /oauth/token');
    if (typeof body.access_token !== 'string') {
      throw new ManagementRequestError('POST /oauth/token answered without an access_token', response.status);
    }
    return body.access_token;
  }

  async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await send(method, `${base}/api/v2${path}`, {
      headers: {
        authorization: `Bearer ${await accessToken()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return readJson(response, `${method} ${path.split('?')[0]}`);
  }

  async function pages<T>(path: string, key: string): Promise<T[]> {
    const items: T[] = [];
    for (let page = 0; ; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const body = await call(
        'GET',
        `${path}${separator}page=${page}&per_page=${PER_PAGE}&include_totals=true`,
      );
      const slice = body[key];
      if (!Array.isArray(slice)) {
        throw new ManagementRequestError(`GET ${path.split('?')[0]} did not answer a {${key}: [...]} page`);
      }
      items.push(...(slice as T[]));
      const total = typeof body.total === 'number' ? body.total : items.length;
      if (slice.length === 0 || items.length >= total) return items;
    }
  }

  return {
    get requests() {
      return requests;
    },
    listClients: () => pages<RemoteClient>('/clients?is_global=false', 'clients'),
    async clientSecret(clientId) {
      const body = await call(
        'GET',
        `/clients/${encodeURIComponent(clientId)}?fields=client_secret&include_fields=true`,
      );
      if (typeof body.client_secret !== 'string') {
        throw new ManagementRequestError(
          'GET /clients/{id} returned no client_secret: the deploy credential needs read:client_keys',
        );
      }
      return body.client_secret;
    },
    listGrants: () => pages<RemoteGrant>('/client-grants', 'client_grants'),
    async findAction(name) {
      const actions = await pages<RemoteAction>(
        `/actions/actions?actionName=${encodeURIComponent(name)}`,
        'actions',
      );
      return actions.find((a) => a.name === name);
    },
    postLoginBindings: () => pages<RemoteBinding>('/actions/triggers/post-login/bindings', 'bindings'),
    async setClientMetadata(clientId, metadata) {
      await call('PATCH', `/clients/${encodeURIComponent(clientId)}`, { client_metadata: metadata });
    },
  };
}

async function readJson(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ManagementRequestError(`${what} answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = (typeof body === 'object' && body !== null ? body : {}) as {
      message?: unknown;
      error_description?: unknown;
    };
    const detail = error.message ?? error.error_description;
    throw new ManagementRequestError(
      `${what} answered ${response.status}${typeof detail === 'string' && detail ? `: ${detail}` : ''}`,
      response.status,
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ManagementRequestError(`${what} answered ${response.status} with an unexpected body`);
  }
  return body as Record<string, unknown>;
}

function retryDelay(response: Response, attempt: number): number {
  const retryAfter = Number(response.headers.get('retry-after'));
  const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt;
  return Math.min(wait, MAX_RETRY_WAIT_MS);
}

function redact(url: string): string {
  return url.split('?')[0] ?? url;
}
