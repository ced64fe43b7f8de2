import type { Context } from 'hono';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Event, Identity } from '../../actions/types/post-login.ts';
import { isPasswordless } from '../connections.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { allowsWebOrigin } from '../oauth/cors.ts';
import type { LoginGrant } from '../oauth/login-grant.ts';
import { VERIFY_REDIRECT_PATH } from '../passwordless/magic-link.ts';
import { passwordlessConnection, recipientOf, sendCode } from '../passwordless/start.ts';
import { passwordlessUser } from '../passwordless/users.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import { endingUser, saveMetadataChanges } from '../pipeline/apply-changes.ts';
import type { PipelineChanges, PostLoginPipeline } from '../pipeline/run-trigger.ts';
import { authorizeParams } from './authorize-grant.ts';
import {
  authorizeResponse,
  isRefusal,
  type ResponseTarget,
  readResponseRequest,
} from './authorize-response.ts';
import { buildLoginEvent, clientIp, type IncomingRequest, incomingRequest } from './event.ts';
import { formOf } from './form.ts';
import { type LoginLogFacts, logLogin } from './login-log.ts';
import { logoutRoutes } from './logout.ts';
import {
  codePage,
  errorPage,
  hostedErrorPage,
  LOST_TRANSACTION,
  loginPage,
  verifyEmailPage,
} from './page.ts';
import { parseMaxAge, SSO_COOKIE, SsoSessions, sessionLifetimes, sessionSatisfies } from './sso-sessions.ts';
import {
  type AuthorizeTransaction,
  BROWSER_COOKIE,
  BROWSER_COOKIE_SECONDS,
  type LoginState,
  opaque,
  type SuspendedLogin,
} from './transactions.ts';

const DATABASE = 'Username-Password-Authentication';
type Ctx = Context<TenantEnv>;
type Login = Omit<SuspendedLogin, 'actionIndex' | 'changes'>;

/**
 * `/authorize`, the login page, `/continue` and the logout endpoints: the browser side of a login, running the post-login
 * Actions, with an SSO session cookie so a second application (or a silent `prompt=none` request) needs no login.
 */
export function loginRoutes(
  tenant: TenantContext,
  state: LoginState,
  pipeline: PostLoginPipeline,
): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const sessions = new SsoSessions(tenant.now, () => sessionLifetimes(tenant.store.settings()));
  const socialConnections = () =>
    tenant.store
      .listConnections()
      .filter((connection) => connection.name !== DATABASE && !isPasswordless(connection))
      .map((connection) => connection.name);
  // Auth0's login page offers only the passwordless connections enabled for the application.
  const passwordlessConnections = (clientId: string) =>
    tenant.store
      .listConnections()
      .filter((connection) => isPasswordless(connection) && connection.enabled_clients.includes(clientId));
  const showLogin = (c: Ctx, transaction: AuthorizeTransaction, error?: string) =>
    c.html(
      loginPage(transaction, socialConnections(), passwordlessConnections(transaction.clientId), error),
      error === undefined ? 200 : 400,
    );
  const outboxUrl = tenant.outboxPage === true ? '/__outbox' : undefined;

  app.get('/authorize', (c) => {
    const q = c.req.query();
    const checked = checkAuthorizeRequest(c, q);
    if (checked instanceof Response) return checked;
    const { back, begin } = checked;
    const prompt = (q.prompt ?? '').split(' ').filter(Boolean);
    const maxAge = parseMaxAge(q.max_age);
    if (maxAge === 'invalid') return back('invalid_request', 'max_age must be a non-negative integer');
    // "connection parameters sms and email do not utilize the existing Auth0 session, and the user will be prompted
    // to log in" (https://auth0.com/docs/authenticate/passwordless/passwordless-with-universal-login).
    const asked = q.connection === undefined ? undefined : tenant.store.connectionByName(q.connection);
    const session =
      asked !== undefined && isPasswordless(asked) ? undefined : sessions.get(getCookie(c, SSO_COOKIE));
    const holder =
      session !== undefined &&
      sessionSatisfies(session, { prompt, maxAge, connection: q.connection }, tenant.tokens.nowSeconds())
        ? tenant.store.users.findIdentity(session.provider, session.providerUserId)
        : undefined;
    if (holder === undefined && prompt.includes('none')) return back('login_required', 'Login required');
    if (holder?.user.blocked === true) return back('access_denied', 'user is blocked');
    const transaction = begin(prompt);
    if (holder === undefined || session === undefined)
      return c.redirect(`/u/login?state=${encodeURIComponent(transaction.id)}`);
    const login: Login = {
      transaction,
      userId: holder.user.user_id,
      identity: { provider: holder.identity.provider, user_id: holder.identity.user_id },
      connection: session.connection,
      authTime: session.authTime,
    };
    return runActions(c, login, 'execute', incomingRequest(c, {}));
  });

  app.route('/', logoutRoutes(tenant, sessions));

  app.get('/u/login', (c) => {
    const transaction = state.transaction(c.req.query('state'), getCookie(c, BROWSER_COOKIE));
    if (transaction === undefined) return lostTransaction(c);
    return showLogin(c, transaction);
  });

  app.post('/u/login', async (c) => {
    const form = await formOf(c);
    const transaction = state.transaction(form.state, getCookie(c, BROWSER_COOKIE));
    if (transaction === undefined) return lostTransaction(c);
    const connection = form.connection ?? '';
    const retry = (message: string) => showLogin(c, transaction, message);
    if (transaction.connection !== undefined && transaction.connection !== connection)
      return retry('Use the connection the application asked for.');
    const record = tenant.store.connectionByName(connection);
    if (record === undefined) return retry('Unknown connection.');
    if (isPasswordless(record)) {
      // First step of a passwordless login: send the code, then ask for it.
      try {
        const enabled = passwordlessConnection(tenant, connection, transaction.clientId);
        const recipient = recipientOf(enabled, record.strategy === 'email' ? form.email : form.phone_number);
        sendCode(tenant, enabled, recipient, transaction.clientId, requestFacts(c));
        return c.html(codePage(transaction.id, enabled, recipient, outboxUrl));
      } catch (error) {
        if (error instanceof OAuthError) return retry(error.message);
        throw error;
      }
    }
    const email = (form.email ?? '').trim();
    if (email === '') return retry('Enter an email address.');
    const found =
      connection === DATABASE
        ? await databaseLogin(tenant, email, form.password ?? '', form.signup === 'true')
        : socialLogin(tenant, connection, email, form.email_verified === 'true');
    if (typeof found === 'string') return retry(found);
    if ('failure' in found) {
      const facts = { clientId: transaction.clientId, connection, userId: found.userId, userName: email };
      logLogin(tenant, found.failure, { ...facts, ...requestFacts(c) });
      return retry(WRONG_PASSWORD);
    }
    if (connection === DATABASE && form.signup === 'true') {
      const ticket = state.issueVerificationTicket(found.user.user_id);
      const link = `/u/verify?ticket=${encodeURIComponent(ticket)}&state=${encodeURIComponent(transaction.id)}`;
      return c.html(verifyEmailPage(found.user.email ?? email, link));
    }
    return signIn(c, transaction, found.identity, connection, form, () => retry('Wrong email or password.'));
  });

  /** The passwordless code page's answer: a correct code logs in (creating the user at its first login). */
  app.post('/u/login/code', async (c) => {
    const form = await formOf(c);
    const transaction = state.transaction(form.state, getCookie(c, BROWSER_COOKIE));
    if (transaction === undefined) return lostTransaction(c);
    const connection = form.connection ?? '';
    if (transaction.connection !== undefined && transaction.connection !== connection)
      return showLogin(c, transaction, 'Use the connection the application asked for.');
    let enabled: ReturnType<typeof passwordlessConnection>;
    let recipient: string;
    try {
      enabled = passwordlessConnection(tenant, connection, transaction.clientId);
      recipient = recipientOf(enabled, enabled.strategy === 'email' ? form.email : form.phone_number);
    } catch (error) {
      if (error instanceof OAuthError) return showLogin(c, transaction, error.message);
      throw error;
    }
    const redeemed = tenant.passwordless.codes.redeem(
      enabled.name,
      recipient,
      transaction.clientId,
      (form.code ?? '').trim(),
    );
    if (redeemed !== 'accepted') {
      const message = `Wrong ${enabled.strategy === 'email' ? 'email' : 'phone number'} or verification code.`;
      const facts = { clientId: transaction.clientId, connection: enabled.name, userName: recipient };
      logLogin(tenant, 'f', { ...facts, ...requestFacts(c) }, message);
      return c.html(codePage(transaction.id, enabled, recipient, outboxUrl, message), 400);
    }
    const found = passwordlessUser(tenant, enabled, recipient);
    return signIn(c, transaction, found.identity, enabled.name, form, () =>
      showLogin(c, transaction, 'This account is no longer available.'),
    );
  });

  /**
   * A magic link being followed (https://auth0.com/docs/authenticate/passwordless/implement-login/embedded-login/webapps:
   * "the user will click the magic link and be redirected to the application's callback URL"): its authorization
   * parameters pass /authorize's checks before its code is redeemed as the code page's is, then the login runs the
   * post-login Actions and answers the callback. A spent, expired or wrong link answers the callback access_denied.
   */
  app.get(VERIFY_REDIRECT_PATH, (c) => {
    const q = c.req.query();
    const checked = checkAuthorizeRequest(c, q);
    if (checked instanceof Response) return checked;
    const { client, back, begin } = checked;
    let enabled: ReturnType<typeof passwordlessConnection>;
    let recipient: string;
    try {
      enabled = passwordlessConnection(tenant, q.connection, client.client_id);
      recipient = recipientOf(enabled, q.email);
    } catch (error) {
      if (error instanceof OAuthError) return back('invalid_request', error.message);
      throw error;
    }
    const code = q.verification_code ?? '';
    if (tenant.passwordless.codes.redeem(enabled.name, recipient, client.client_id, code) !== 'accepted') {
      const message = 'Wrong email or verification code.';
      const facts = { clientId: client.client_id, connection: enabled.name, userName: recipient };
      logLogin(tenant, 'f', { ...facts, ...requestFacts(c) }, message);
      return back('access_denied', message);
    }
    const found = passwordlessUser(tenant, enabled, recipient);
    return signIn(c, begin([]), found.identity, enabled.name, {}, () =>
      back('access_denied', 'This account is no longer available.'),
    );
  });

  /**
   * The checks every authorization request passes, at `/authorize` and on a magic link: the client, its callback,
   * the response type and mode, PKCE and the audience. A refusal is a response: an error page while the callback
   * is not known to be the client's, then an answer to the callback in the requested mode. `begin` starts the
   * transaction the checked request opens.
   */
  function checkAuthorizeRequest(c: Ctx, q: Record<string, string>) {
    const client = q.client_id === undefined ? undefined : tenant.store.getClient(q.client_id);
    if (client === undefined) return c.html(errorPage('Unknown client: check client_id.'), 400);
    if (q.redirect_uri === undefined || !client.callbacks.includes(q.redirect_uri)) {
      return c.html(
        errorPage('Callback URL mismatch: redirect_uri is not an allowed callback of this client.'),
        400,
      );
    }
    const requested = readResponseRequest(q, client.grant_types);
    if (requested.mode === 'web_message' && !allowsWebOrigin(client, new URL(q.redirect_uri).origin)) {
      // The page could post the answer nowhere else: Auth0 refuses a web_message to an origin it does not allow.
      return c.html(
        errorPage(`The specified redirect_uri '${q.redirect_uri}' does not have a registered origin.`),
        400,
      );
    }
    const target = { redirectUri: q.redirect_uri, mode: requested.mode, state: q.state };
    const back = (error: string, description: string) =>
      respond(c, target, { error, error_description: description });
    if (isRefusal(requested)) return back(requested.error, requested.description);
    if (q.code_challenge !== undefined && q.code_challenge_method !== 'S256') {
      return back('invalid_request', 'code_challenge_method must be S256');
    }
    if (
      client.token_endpoint_auth_method === 'none' &&
      q.code_challenge === undefined &&
      requested.parts.includes('code')
    ) {
      return back('invalid_request', 'Public clients must use PKCE (code_challenge)');
    }
    if (q.audience !== undefined && tenant.store.resourceServerByIdentifier(q.audience) === undefined)
      return back('access_denied', `Service not found: ${q.audience}`);
    const { parts, mode } = requested;
    const redirectUri = q.redirect_uri;
    const begin = (prompt: string[]) =>
      state.begin({
        browser: browserOf(c),
        clientId: client.client_id,
        redirectUri,
        state: q.state,
        nonce: q.nonce,
        codeChallenge: q.code_challenge,
        scope: q.scope ?? 'openid',
        audience: q.audience,
        responseParts: parts,
        responseMode: mode,
        connection: q.connection,
        loginHint: q.login_hint,
        prompt,
        query: q,
      });
    return { client, back, begin };
  }

  /** The end of every login form: the identity, now proven, logs in and the post-login Actions run. */
  function signIn(
    c: Ctx,
    transaction: AuthorizeTransaction,
    identity: Identity,
    connection: string,
    form: Record<string, string>,
    gone: () => Response | Promise<Response>,
  ) {
    // The password check is asynchronous: a concurrent login may have linked this identity into another user
    // meanwhile. A linked identity logs in as the user holding it, as any login of a secondary does on Auth0
    // ("authenticate from any of their accounts and still be recognized [...] associated with the same user
    // profile": https://auth0.com/docs/manage-users/user-accounts/user-account-linking/link-user-accounts).
    const holder = tenant.store.users.findIdentity(identity.provider, identity.user_id);
    if (holder === undefined) return gone();
    if (holder.user.blocked === true) {
      const facts = { clientId: transaction.clientId, connection, userId: holder.user.user_id };
      logLogin(tenant, 'f', { ...facts, ...requestFacts(c) }, 'user is blocked');
      return respond(c, targetOf(transaction), {
        error: 'access_denied',
        error_description: 'user is blocked',
      });
    }
    tenant.store.users.recordLogin(holder.user.user_id, clientIp(c));
    const login: Login = {
      transaction,
      userId: holder.user.user_id,
      identity: { provider: holder.identity.provider, user_id: holder.identity.user_id },
      connection,
      authTime: Math.floor(tenant.now() / 1000),
    };
    return runActions(c, login, 'execute', incomingRequest(c, form));
  }

  app.get('/u/verify', (c) => {
    const userId = state.redeemVerificationTicket(c.req.query('ticket'));
    const user = userId === undefined ? undefined : tenant.store.users.get(userId);
    if (user === undefined)
      return c.html(errorPage('This verification link is invalid or was already used.'), 400);
    tenant.store.users.update(user.user_id, { email_verified: true });
    const transaction = state.transaction(c.req.query('state'), getCookie(c, BROWSER_COOKIE));
    const identity = user.identities[0];
    if (transaction === undefined || identity === undefined)
      return c.html(errorPage('Email verified. You can log in now.'));
    tenant.store.users.recordLogin(user.user_id, clientIp(c));
    const login: Login = {
      transaction,
      userId: user.user_id,
      identity: { provider: identity.provider, user_id: identity.user_id },
      connection: DATABASE,
      authTime: Math.floor(tenant.now() / 1000),
    };
    return runActions(c, login, 'execute', incomingRequest(c, {}));
  });

  const resume = async (c: Ctx) => {
    const form = c.req.method === 'POST' ? await formOf(c) : {};
    // A /continue from another browser than the login's, or a second one with the same state, resumes nothing.
    const suspended = state.resume(c.req.query('state') ?? form.state, getCookie(c, BROWSER_COOKIE));
    if (suspended === undefined) return lostTransaction(c);
    const { actionIndex, changes, suspendedAs, ...login } = suspended;
    return runActions(c, login, 'continue', incomingRequest(c, form), actionIndex, changes, suspendedAs);
  };
  app.get('/continue', resume);
  app.post('/continue', resume);

  async function runActions(
    c: Ctx,
    login: Login,
    phase: 'execute' | 'continue',
    request: IncomingRequest,
    fromIndex?: number,
    changes?: PipelineChanges,
    suspendedAs?: Pick<Event, 'user' | 'stats'>,
  ) {
    const { transaction } = login;
    const event = buildLoginEvent(tenant, transaction, login.userId, login.connection, request, suspendedAs);
    const result = await pipeline.run({ event, phase, fromIndex, changes });
    if (result.status === 'failed') {
      state.finish(transaction.id);
      logLogin(tenant, 'f', loginFacts(c, login), result.description);
      return respond(c, targetOf(transaction), {
        error: result.error,
        error_description: result.description,
      });
    }
    if (result.status === 'redirect') {
      const resumeState = state.suspend({
        ...login,
        actionIndex: result.actionIndex,
        changes: result.changes,
        suspendedAs: { user: event.user, stats: event.stats },
      });
      const target = new URL(result.url);
      target.searchParams.set('state', resumeState);
      return c.redirect(target.toString());
    }
    return complete(c, login, result.changes);
  }

  async function complete(c: Ctx, login: Login, changes: PipelineChanges) {
    const { transaction } = login;
    state.finish(transaction.id);
    const subject = endingUser(tenant, login.userId, login.identity, changes);
    if (subject === undefined) {
      logLogin(tenant, 'f', loginFacts(c, login), 'Invalid primary user');
      return respond(c, targetOf(transaction), {
        error: 'access_denied',
        error_description: 'Invalid primary user',
      });
    }
    const sid = sessions.addClient(startSession(c, login), transaction.clientId, subject);
    logLogin(tenant, 's', { ...loginFacts(c, login), userId: subject, sessionId: sid });
    saveMetadataChanges(tenant, login.userId, subject, changes);
    const grant: LoginGrant = {
      clientId: transaction.clientId,
      sid,
      userId: subject,
      connection: login.connection,
      scope: transaction.scope,
      audience: transaction.audience,
      nonce: transaction.nonce,
      authTime: login.authTime,
      idTokenClaims: changes.idTokenClaims,
    };
    return respond(c, targetOf(transaction), await authorizeParams(tenant, state, transaction, grant));
  }

  function startSession(c: Ctx, login: Login): string {
    const previous = getCookie(c, SSO_COOKIE);
    const id = sessions.start(previous, {
      provider: login.identity.provider,
      providerUserId: login.identity.user_id,
      connection: login.connection,
      authTime: login.authTime,
    });
    // SameSite=None as Auth0 sets it: silent authentication (prompt=none) reaches /authorize from other sites.
    setCookie(c, SSO_COOKIE, id, {
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'None',
      maxAge: sessions.cookieSeconds(id),
    });
    return id;
  }

  return app;
}

async function databaseLogin(tenant: TenantContext, rawEmail: string, password: string, signup: boolean) {
  const email = rawEmail.toLowerCase();
  const users = tenant.store.users;
  const found = users.findByConnectionEmail(DATABASE, email);
  if (signup) {
    if (found !== undefined) return 'An account with this email already exists: log in instead.';
    if (password.length < 8) return 'Choose a password of at least 8 characters.';
    const user = users.create({
      connection: DATABASE,
      email,
      email_verified: false,
      password_hash: await hashPassword(password),
    });
    return { user, identity: user.identities[0] ?? missingIdentity() };
  }
  if (found === undefined) return { failure: 'fu' as const, userId: undefined };
  const hash = users.passwordHash(found.identity);
  if (hash === undefined || !(await verifyPassword(password, hash)))
    return { failure: 'fp' as const, userId: found.user.user_id };
  return found;
}

const WRONG_PASSWORD = 'Wrong email or password.';

function requestFacts(c: Ctx): Pick<LoginLogFacts, 'ip' | 'userAgent'> {
  return { ip: clientIp(c), userAgent: c.req.header('user-agent') };
}

function loginFacts(c: Ctx, login: Login): LoginLogFacts {
  return {
    clientId: login.transaction.clientId,
    connection: login.connection,
    userId: login.userId,
    transactionId: login.transaction.id,
    ...requestFacts(c),
  };
}

/** A simulated provider: the tester chooses the email and whether the provider asserts it is verified. */
function socialLogin(tenant: TenantContext, connection: string, email: string, verified: boolean) {
  const users = tenant.store.users;
  const found = users.findByConnectionEmail(connection, email);
  if (found === undefined) {
    const user = users.create({ connection, email, email_verified: verified });
    return { user, identity: user.identities[0] ?? missingIdentity() };
  }
  if (found.user.identities[0] === found.identity && found.user.email_verified !== verified) {
    users.update(found.user.user_id, { email_verified: verified });
  }
  return found;
}

function missingIdentity(): never {
  throw new Error('a created user has no identity');
}

/** The browser's `did` cookie, set on its first `/authorize`; its logins are bound to it. */
function browserOf(c: Ctx): string {
  const known = getCookie(c, BROWSER_COOKIE);
  if (known !== undefined && known !== '') return known;
  const id = opaque();
  setCookie(c, BROWSER_COOKIE, id, {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'None',
    maxAge: BROWSER_COOKIE_SECONDS,
  });
  return id;
}

function lostTransaction(c: Ctx) {
  return c.html(hostedErrorPage('invalid_request', LOST_TRANSACTION), 400);
}

/** Sends an authorization response (a result or an error) back in the response mode the application asked for. */
function respond(c: Ctx, target: ResponseTarget, params: Record<string, string>) {
  const answer = authorizeResponse(target, params);
  c.header('cache-control', 'no-store');
  return answer.kind === 'redirect' ? c.redirect(answer.url) : c.html(answer.html);
}

function targetOf(transaction: AuthorizeTransaction): ResponseTarget {
  return { redirectUri: transaction.redirectUri, mode: transaction.responseMode, state: transaction.state };
}
