import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { JWTVerifyGetKey } from 'jose';
import { planMetadataMerge } from '../core/merge.ts';
import { mountAccount } from './account.ts';
import { mountBackchannelLogout } from './backchannel-logout.ts';
import type { WebConfig } from './config.ts';
import { mountConsent } from './consent.ts';
import { failurePage } from './consent-views.ts';
import type { EmailCodePort } from './email-code.ts';
import { mountHealth, type ReadinessCheck } from './health.ts';
import type { PlanMetadataMerge } from './link-account.ts';
import { createLogoutTokenVerifier } from './logout-token.ts';
import type { WebManagementPort } from './management.ts';
import { mountNotice } from './notice.ts';
import type { OidcPort } from './oidc.ts';
import { forwardedRequestGuard } from './proxy.ts';
import { limitBodies, parseForms, sameOriginPosts } from './request-guards.ts';
import { WEB_ROUTES } from './routes.ts';
import { securityHeaders, type WebEnv } from './security-headers.ts';

export interface WebDeps {
  readonly oidc: OidcPort;
  readonly management: WebManagementPort;
  /** "Email me a code" as a proof of the other account; without it the pages never offer it. */
  readonly emailCode?: EmailCodePort;
  readonly now?: () => Date;
  /** Receives one line per event; fields never hold tokens, secrets or full emails. */
  readonly log?: (line: string) => void;
  /** What `/readyz` checks (the tenant's discovery, a Management token); none: ready whenever the process is up. */
  readonly readiness?: readonly ReadinessCheck[];
  /** The keys that sign logout tokens; the tenant's published JWKS unless a test pins its own. */
  readonly jwks?: JWTVerifyGetKey;
}

const ROBOTS = 'User-agent: *\nDisallow: /\n';

const FORBIDDEN = {
  heading: 'Request refused',
  message: 'This form was not sent from this site, so it was refused.',
};

/** What the request guards' refusals say (request-guards.ts); any other status reads as the 403. */
const REFUSALS: Readonly<Record<number, { heading: string; message: string }>> = {
  400: { heading: 'Request refused', message: 'The form could not be read. Go back and send it again.' },
  403: FORBIDDEN,
  413: { heading: 'Request too large', message: 'The form sent more data than this site accepts.' },
};

export function createWebApp(config: WebConfig, deps: WebDeps): Hono<WebEnv> {
  const now = deps.now ?? (() => new Date());
  const write = deps.log ?? ((line: string) => console.log(line));
  const log = (event: string, fields: Record<string, string | number>) =>
    write(`account-linking-web ${JSON.stringify({ event, ...fields })}`);

  const app = new Hono<WebEnv>();
  mountHealth(app as unknown as Hono, deps.readiness ?? []);
  app.use('*', forwardedRequestGuard(config));
  app.use('*', securityHeaders(config.tenantOrigin));
  app.use('*', limitBodies, sameOriginPosts(config.webOrigin), parseForms);
  app.get(WEB_ROUTES.robots, (c) => c.text(ROBOTS));
  mountBackchannelLogout(app, {
    management: deps.management,
    verifyLogoutToken: createLogoutTokenVerifier(config, deps.jwks),
    now,
    log,
  });
  // The Action's merge with its MERGE_APP_METADATA_KEYS: the primary wins, the secondary's other user_metadata keys
  // are copied, and of its app_metadata only the listed keys.
  const planMerge: PlanMetadataMerge = (primary, secondary) =>
    planMetadataMerge(primary, secondary, config.mergeAppMetadataKeys);
  const linking = {
    oidc: deps.oidc,
    management: deps.management,
    planMerge,
    now,
    log,
    ...(deps.emailCode === undefined ? {} : { emailCode: deps.emailCode }),
  };
  mountConsent(app, config, linking);
  mountNotice(app, config, { now, log });
  mountAccount(app, config, linking);
  app.notFound((c) =>
    c.html(
      failurePage({ nonce: c.get('nonce'), heading: 'Page not found', message: 'There is nothing here.' }),
      404,
    ),
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      log('request_refused', { status: error.status });
      const refusal = REFUSALS[error.status] ?? REFUSALS[403];
      return c.html(
        failurePage({ nonce: c.get('nonce'), heading: '', message: '', ...refusal }),
        error.status,
      );
    }
    log('unhandled_error', { name: error.name });
    return c.html(
      failurePage({ nonce: c.get('nonce'), heading: 'Something went wrong', message: 'Please try again.' }),
      500,
    );
  });
  return app;
}
