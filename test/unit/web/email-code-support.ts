import { type CodeRules, codeRules } from '../../../core/passwordless-codes.ts';
import { type EmailCodePort, emailCodeRules } from '../../../web/email-code.ts';
import { WebError } from '../../../web/errors.ts';
import { createWebManagementClient } from '../../../web/management.ts';
import type { IdTokenClaims } from '../../../web/oidc.ts';
import { makeTestApp, NOW, tenantFor, testConfig } from './support.ts';

/**
 * The tenant's passwordless email as the web app sees it: the code rules from the in-process tenant's connections
 * (the real lookup), codes as Auth0 keeps them (`codeLength` digits; only the newest code to an address works, once).
 */
export class FakeEmailTenant {
  readonly sent: string[] = [];
  readonly verified: string[] = [];
  readonly #codes = new Map<string, string>();
  #next = 100_000;
  /** What sending a code fails with (the web port's error), when set. */
  sendFailure: WebError | undefined;
  /** What the ID token says for an accepted code; default the address the code went to, verified. */
  claimsFor: (email: string) => IdTokenClaims = (email) => ({
    sub: 'email|0123456789abcdef01234567',
    email,
    email_verified: true,
  });

  readonly codeLength: number;

  constructor(codeLength: number) {
    this.codeLength = codeLength;
  }

  port(rules: () => Promise<CodeRules | undefined>): EmailCodePort {
    return {
      rules,
      send: async (email) => {
        if (this.sendFailure !== undefined) throw this.sendFailure;
        this.sent.push(email);
        this.#codes.set(
          email,
          String(this.#next++)
            .padStart(this.codeLength, '0')
            .slice(-this.codeLength),
        );
      },
      verify: async (email, code) => {
        this.verified.push(code);
        if (this.#codes.get(email) !== code) throw new WebError('email_code_wrong', 'wrong code');
        this.#codes.delete(email);
        return this.claimsFor(email);
      },
    };
  }

  codeFor(email: string): string {
    const code = this.#codes.get(email);
    if (code === undefined) throw new Error(`no code was sent to ${email}`);
    return code;
  }
}

export type EmailCodeApp = ReturnType<typeof emailCodeApp>;

/**
 * The web app with "Email me a code": its tenant has the passwordless `email` connection enabled for `enabledFor` (or
 * none), with `options` (`totp`), the code rules are the real lookup, codes are the fake's; `later` moves the clock of
 * both.
 */
export function emailCodeApp(
  enabledFor: readonly string[] | 'no connection' = ['reauth-client'],
  options: Record<string, unknown> = {},
) {
  const config = testConfig();
  const tenant = tenantFor(config);
  if (enabledFor !== 'no connection') {
    tenant.context.store.createConnection({
      name: 'email',
      strategy: 'email',
      enabled_clients: [...enabledFor],
      options,
    });
  }
  const email = new FakeEmailTenant(codeRules({ options }).length);
  let now = NOW;
  const management = createWebManagementClient(config, { fetch: tenant.fetch });
  const t = makeTestApp({
    config,
    tenant,
    now: () => now,
    emailCode: email.port(emailCodeRules(config, management, () => now)),
  });
  return {
    t,
    email,
    later(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
    /** Changes the connection's options at the tenant (the web app sees it after its cached lookup expires). */
    setOptions(next: Record<string, unknown>) {
      const connection = tenant.context.store.connectionByName('email');
      if (connection === undefined) throw new Error('the tenant has no email connection');
      tenant.context.store.updateConnection(connection.id, { options: next });
    },
  };
}
