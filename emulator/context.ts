import type { HttpBindings } from '@hono/node-server';
import type { EventLog } from './events.ts';
import type { FaultInjector } from './faults.ts';
import type { RefreshTokens } from './oauth/refresh-tokens.ts';
import type { OneTimeCodes } from './passwordless/codes.ts';
import type { Outbox } from './passwordless/outbox.ts';
import type { TokenBucket } from './rate-limit.ts';
import type { TenantStore } from './store.ts';
import type { TenantLogs } from './tenant-logs.ts';
import type { AccessTokenClaims, TokenService } from './tokens.ts';

/** Everything route modules share; built once per running tenant. */
export interface TenantContext {
  /** `localhost:<port>` */
  domain: string;
  /** `https://localhost:<port>/` */
  issuer: string;
  store: TenantStore;
  tokens: TokenService;
  refreshTokens: RefreshTokens;
  /** Pending passwordless codes and the outbox of messages that would have carried them. */
  passwordless: { codes: OneTimeCodes; outbox: Outbox };
  events: EventLog;
  /** What `GET /api/v2/logs` serves. */
  logs: TenantLogs;
  rateLimit: TokenBucket;
  faults: FaultInjector;
  now: () => number;
  /** The outbox page `/__outbox` is served (a local demo only: it shows every code to whoever reaches the port). */
  outboxPage?: boolean;
  /** Present when the control API is on; it must be sent as `x-control-key`. */
  controlKey?: string;
}

/** Hono environment of the tenant app: Node bindings (socket access for faults) plus per-request variables. */
export interface TenantEnv {
  Bindings: Partial<HttpBindings>;
  Variables: { token: AccessTokenClaims };
}
