import type { Context, MiddlewareHandler } from 'hono';
import { errors as joseErrors } from 'jose';
import type { TenantContext, TenantEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { ManagementScope } from './scopes.ts';

/** Verifies the bearer token: RS256, this tenant's issuer, the Management API audience, not expired. */
export function requireBearer(tenant: TenantContext): MiddlewareHandler<TenantEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new ApiError(401, 'Missing authentication');
    try {
      c.set('token', await tenant.tokens.verify(match[1], tenant.store.managementAudience));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new ApiError(401, 'Expired token received for JSON Web Token validation');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
        throw new ApiError(401, `Bad audience: ${error.payload.aud}`);
      }
      throw new ApiError(401, 'Invalid token');
    }
    await next();
  };
}

/** Lets the request through when the token holds any of `scopes`; otherwise Auth0's 403 `insufficient_scope`. */
export function requireScope(...scopes: ManagementScope[]): MiddlewareHandler<TenantEnv> {
  return async (c, next) => {
    if (!scopes.some((scope) => hasScope(c, scope))) {
      throw new ApiError(
        403,
        `Insufficient scope, expected any of: ${scopes.join(',')}`,
        'insufficient_scope',
      );
    }
    await next();
  };
}

/** Whether the request's bearer token holds `scope`. */
export function hasScope(c: Context<TenantEnv>, scope: ManagementScope): boolean {
  return (c.get('token').scope ?? '').split(' ').includes(scope);
}
