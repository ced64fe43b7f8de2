/** What one login granted an application: the tokens of `/authorize`, the code exchange and refreshes derive from it. */
export interface LoginGrant {
  clientId: string;
  userId: string;
  /** The connection the user logged in with (the post-login event of a refresh names it again). */
  connection: string;
  scope: string;
  /** The API asked for with `audience`; without one the access token is for `/userinfo` only. */
  audience: string | undefined;
  nonce: string | undefined;
  authTime: number;
  /** The SSO session the login belongs to (the ID token's `sid`, named again by back-channel logout). */
  sid: string;
  /** Custom claims the post-login Actions set. */
  idTokenClaims: Record<string, unknown>;
}
