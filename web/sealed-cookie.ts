import { hkdfSync } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { aesGcmKey } from './crypto-keys.ts';
import { WebError } from './errors.ts';

export interface SealedCookie<T extends object> {
  readonly name: string;
  write(c: Context, value: T, now: Date): Promise<void>;
  read(c: Context, now: Date): Promise<T | undefined>;
  /** As `read`, but an invalid or expired cookie is cleared and reads as none. */
  readValid(c: Context, now: Date): Promise<T | undefined>;
  clear(c: Context): void;
}

export interface SealedCookieOptions {
  readonly name: string;
  readonly path: string;
  readonly maxAgeSeconds: number;
  readonly secret: string;
}

// Each cookie gets its own key (HKDF info = cookie name), so a value sealed for one
// purpose (e.g. the pending re-authentication) can never be replayed as another (the session).
export function sealedCookie<T extends object>(options: SealedCookieOptions): SealedCookie<T> {
  const key = aesGcmKey(
    `cookie:${options.name}:${options.secret}`,
    () => new Uint8Array(hkdfSync('sha256', options.secret, 'auth0-account-linking', options.name, 32)),
  );
  const cookieOptions = {
    path: options.path,
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    maxAge: options.maxAgeSeconds,
  } as const;
  const cookie: SealedCookie<T> = {
    name: options.name,
    async write(c, value, now) {
      const iat = Math.floor(now.getTime() / 1000);
      const sealed = await new EncryptJWT({ v: value })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.maxAgeSeconds)
        .encrypt(await key);
      setCookie(c, options.name, sealed, cookieOptions);
    },
    async read(c, now) {
      const sealed = getCookie(c, options.name);
      if (sealed === undefined || sealed === '') return undefined;
      try {
        const { payload } = await jwtDecrypt(sealed, await key, {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          currentDate: now,
          requiredClaims: ['exp'],
        });
        // Only this server holds the key, so a value that decrypts is one we wrote.
        return payload.v as T;
      } catch (cause) {
        throw new WebError('cookie_invalid', `the ${options.name} cookie is invalid or expired`, { cause });
      }
    },
    async readValid(c, now) {
      try {
        return await cookie.read(c, now);
      } catch {
        cookie.clear(c);
        return undefined;
      }
    },
    clear(c) {
      deleteCookie(c, options.name, cookieOptions);
    },
  };
  return cookie;
}
