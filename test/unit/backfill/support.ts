import type { CommandIo } from '../../../scripts/backfill/commands.ts';

/** The backfill's environment for a tenant of this kind. */
export const BACKFILL_ENV = Object.freeze({
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_CLIENT_ID: 'id',
  AUTH0_CLIENT_SECRET: 'secret',
  AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication,google-oauth2',
});

/** Command output nobody reads. */
export const silentIo: CommandIo = { out: () => undefined, err: { write: () => true } };
