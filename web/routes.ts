/** Paths the tenant's clients must allow (tenant.yaml builds its callback URLs from these). */
export const WEB_ROUTES = {
  consent: '/consent',
  consentCallback: '/consent/callback',
  /** The emailed code's form ("Email me a code"), under the consent cookie's path. */
  consentCode: '/consent/code',
  /** Beside the consent page: the Action finds it from CONSENT_URL (core/config.ts noticeUrlOf). */
  notice: '/notice',
  account: '/account',
  login: '/login',
  loginCallback: '/callback',
  logout: '/logout',
  /** Where the tenant POSTs OIDC Back-Channel Logout tokens (tenant.yaml registers it). */
  backchannelLogout: '/backchannel-logout',
  accountLink: '/account/link',
  accountLinkCallback: '/account/link/callback',
  /** "Email me a code" on a suggestion: send, resend, verify (web/account-email-code.ts). */
  accountLinkEmailCode: '/account/link/email-code',
  accountUnlink: '/account/unlink',
  /** "Not mine" on a suggestion: records a decline on the signed-in user. */
  accountNotMine: '/account/not-mine',
  /** "Take back" on a declined account. */
  accountTakeBack: '/account/declined/take-back',
  accountClearSnooze: '/account/snooze/clear',
  robots: '/robots.txt',
} as const;

/** Callback URLs each client must register, for a given WEB_URL. */
export function clientCallbackUrls(webUrl: string): {
  web: string[];
  reauth: string[];
  logout: string[];
  backchannelLogout: string[];
} {
  const base = webUrl.replace(/\/$/, '');
  return {
    web: [`${base}${WEB_ROUTES.loginCallback}`],
    reauth: [`${base}${WEB_ROUTES.consentCallback}`, `${base}${WEB_ROUTES.accountLinkCallback}`],
    logout: [`${base}/`],
    backchannelLogout: [`${base}${WEB_ROUTES.backchannelLogout}`],
  };
}
