import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

/**
 * jose imports a raw secret into Web Crypto on every call; importing each key once keeps that off every request
 * (the consent page opens a JWE, verifies a JWT and seals a cookie per view). Keys are few: one per secret and use.
 */
const imported = new Map<string, Promise<CryptoKey>>();

export function hmacSha256Key(secret: string): Promise<CryptoKey> {
  return once(`hmac:${secret}`, () =>
    webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    ),
  );
}

/** An AES-256-GCM key for JWE `dir`; `id` names the derivation (secret and use), run only on the first call. */
export function aesGcmKey(id: string, derive: () => Uint8Array): Promise<CryptoKey> {
  return once(`aes:${id}`, () =>
    webcrypto.subtle.importKey('raw', derive(), 'AES-GCM', false, ['encrypt', 'decrypt']),
  );
}

function once(id: string, load: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let key = imported.get(id);
  if (key === undefined) {
    key = load();
    imported.set(id, key);
  }
  return key;
}
