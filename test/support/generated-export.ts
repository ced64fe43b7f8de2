import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zlib } from 'node:zlib';

const CONNECTIONS = [
  ['auth0', 'Username-Password-Authentication'],
  ['google-oauth2', 'google-oauth2'],
  ['github', 'github'],
] as const;

/** The connections of `generatedUser`'s accounts, by name. */
export const GENERATED_CONNECTIONS: readonly string[] = CONNECTIONS.map(([, connection]) => connection);

/**
 * User `i` of an export as Auth0 writes it (`format: json`, the fields the backfill asks for): about 1 user in 8
 * shares its email with another, some in three-way clusters, some with capitals, some unverified.
 */
export function generatedUser(i: number): object {
  const cluster = i % 8 === 0 ? i + 1 : i % 24 === 2 ? i - 1 : i; // pairs, plus a third member every 24
  const email = `user${cluster}@example.com`;
  const [provider, connection] = CONNECTIONS[i % 3] ?? CONNECTIONS[0];
  const id = provider === 'auth0' ? i.toString(16).padStart(24, '0') : String(100_000_000_000 + i);
  return {
    user_id: `${provider}|${id}`,
    email: i % 5 === 0 ? email.toUpperCase() : email,
    email_verified: i % 17 !== 0,
    created_at: new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString(),
    identities: [{ connection, provider, user_id: id, isSocial: provider !== 'auth0' }],
    ...(i % 50 === 0 ? { app_metadata: { plan: 'pro' } } : {}),
  };
}

/** A gzipped NDJSON export of `users` generated users. */
export async function writeGeneratedExport(file: string, users: number): Promise<void> {
  function* lines(): Generator<string> {
    let batch = '';
    for (let i = 0; i < users; i++) {
      batch += `${JSON.stringify(generatedUser(i))}\n`;
      if (batch.length > 1 << 16) {
        yield batch;
        batch = '';
      }
    }
    yield batch;
  }
  await pipeline(lines, createGzip({ level: zlib.Z_BEST_SPEED }), createWriteStream(file));
}
