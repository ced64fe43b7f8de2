import { type Config, parseConfig } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { BackfillConfigError } from './errors.ts';

/** The variables the backfill reads: the Action's secret names, so one set of values serves both. */
export const BACKFILL_VARIABLES = [
  'AUTH0_DOMAIN',
  'AUTH0_CLIENT_ID',
  'AUTH0_CLIENT_SECRET',
  'AUTO_LINK_CONNECTIONS',
  'MERGE_APP_METADATA_KEYS',
  'PRIMARY_POLICY',
] as const;

export type BackfillConfig = Pick<
  Config,
  'domain' | 'clientId' | 'clientSecret' | 'autoLinkConnections' | 'mergeAppMetadataKeys' | 'primaryPolicy'
>;

/** Parsed by the Action's own `parseConfig` (same list syntax, same `*`), before any request. */
export function parseBackfillEnv(env: Readonly<Record<string, string | undefined>>): BackfillConfig {
  const secrets: Record<string, string> = {};
  for (const name of BACKFILL_VARIABLES) {
    const value = env[name];
    if (value !== undefined) secrets[name] = value;
  }
  try {
    const config = parseConfig(secrets);
    return Object.freeze({
      domain: config.domain.toLowerCase(),
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      autoLinkConnections: config.autoLinkConnections,
      mergeAppMetadataKeys: config.mergeAppMetadataKeys,
      primaryPolicy: config.primaryPolicy,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new BackfillConfigError(error.variable, error.message);
    throw error;
  }
}
