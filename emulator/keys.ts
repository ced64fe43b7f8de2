import type { webcrypto } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'RS256';
  privateKey: webcrypto.CryptoKey;
  /** Public JWK with `kid`, `alg` and `use`, as served by `/.well-known/jwks.json`. */
  publicJwk: JWK;
}

/**
 * The tenant's RS256 signing key, kept in `<dataDir>/signing-key.json` so tokens survive a restart. The file is
 * published with `link`, which fails when another process won the race, so concurrent starts share one key.
 */
export async function loadSigningKey(dataDir: string): Promise<SigningKey> {
  const file = join(resolve(dataDir), 'signing-key.json');
  if (!existsSync(file)) await createKeyFile(file);
  const privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  return fromPrivateJwk(privateJwk);
}

async function createKeyFile(file: string): Promise<void> {
  mkdirSync(join(file, '..'), { recursive: true });
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  const staging = `${file}.${process.pid}.${Date.now()}`;
  writeFileSync(staging, JSON.stringify(jwk), { mode: 0o600 });
  try {
    linkSync(staging, file);
  } catch (error) {
    if (!existsSync(file)) throw error;
  } finally {
    rmSync(staging, { force: true });
  }
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  const privateKey = (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as webcrypto.CryptoKey;
  const { kty = 'RSA', n, e } = jwk;
  if (n === undefined || e === undefined) throw new Error('the signing key file holds no RSA private JWK');
  return { kid, alg: 'RS256', privateKey, publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' } };
}
