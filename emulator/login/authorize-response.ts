import { html } from 'hono/html';

/**
 * How `/authorize` answers the application: the response types and modes Auth0 publishes in its discovery document,
 * plus `web_message`, which Auth0 serves without publishing it (silent authentication in auth0-spa-js and auth0.js).
 */
export const RESPONSE_TYPES = [
  'code',
  'token',
  'id_token',
  'code token',
  'code id_token',
  'token id_token',
  'code token id_token',
] as const;
export const PUBLISHED_RESPONSE_MODES = ['query', 'fragment', 'form_post'] as const;

export type ResponsePart = 'code' | 'token' | 'id_token';
export type ResponseMode = (typeof PUBLISHED_RESPONSE_MODES)[number] | 'web_message';

/** Where and how one authorization response goes back. */
export interface ResponseTarget {
  redirectUri: string;
  mode: ResponseMode;
  state: string | undefined;
}

export type AuthorizeResponse = { kind: 'redirect'; url: string } | { kind: 'html'; html: string };

export interface RequestedResponse {
  parts: ResponsePart[];
  mode: ResponseMode;
}

export interface ResponseRefusal {
  error: string;
  description: string;
  /** The mode the refusal itself goes back in: the requested one when it is valid, else the type's default. */
  mode: ResponseMode;
}

/**
 * Reads `response_type` and `response_mode` against what the client may use. Hybrid and implicit responses need the
 * client's `implicit` grant type besides `authorization_code` (auth0.com/docs/get-started/authentication-and-
 * authorization-flow/hybrid-flow/call-api-hybrid-flow, "Prerequisites").
 */
export function readResponseRequest(
  query: Record<string, string | undefined>,
  grantTypes: readonly string[],
): RequestedResponse | ResponseRefusal {
  const parts = parseResponseType(query.response_type);
  const fallback = defaultMode(parts ?? ['code']);
  const requested = query.response_mode;
  const mode =
    requested === undefined || requested === ''
      ? fallback
      : ([...PUBLISHED_RESPONSE_MODES, 'web_message'] as string[]).includes(requested)
        ? (requested as ResponseMode)
        : undefined;
  if (mode === undefined)
    return refusal('invalid_request', `Unsupported response_mode: ${requested}`, fallback);
  if (parts === undefined)
    return refusal(
      'unsupported_response_type',
      `Unsupported response type: ${query.response_type ?? ''}`,
      mode,
    );
  // OAuth 2.0 Multiple Response Type Encoding Practices 2.1: tokens never travel in a query string.
  if (mode === 'query' && fallback !== 'query') {
    return refusal(
      'invalid_request',
      `response_mode=query is not allowed for response_type=${parts.join(' ')}`,
      fallback,
    );
  }
  for (const grant of grantsNeeded(parts)) {
    if (!grantTypes.includes(grant))
      return refusal('unauthorized_client', `Grant type '${grant}' not allowed for the client.`, mode);
  }
  if (parts.includes('id_token') && !query.nonce) {
    return refusal('invalid_request', 'Nonce is required when response_type includes id_token', mode);
  }
  return { parts, mode };
}

export function isRefusal(value: RequestedResponse | ResponseRefusal): value is ResponseRefusal {
  return 'error' in value;
}

/** `code id_token` and `id_token code` are the same type (OAuth 2.0 Multiple Response Types, section 5). */
export function parseResponseType(value: string | undefined): ResponsePart[] | undefined {
  const words = (value ?? '').split(' ').filter(Boolean);
  const order: ResponsePart[] = ['code', 'token', 'id_token'];
  const parts = order.filter((part) => words.includes(part));
  // Every non-empty combination, in this order, is one of RESPONSE_TYPES; unknown or repeated words are not.
  return parts.length > 0 && words.length === parts.length ? parts : undefined;
}

function defaultMode(parts: readonly ResponsePart[]): ResponseMode {
  return parts.length === 1 && parts[0] === 'code' ? 'query' : 'fragment';
}

function grantsNeeded(parts: readonly ResponsePart[]): string[] {
  const grants = parts.includes('code') ? ['authorization_code'] : [];
  if (parts.some((part) => part !== 'code')) grants.push('implicit');
  return grants;
}

function refusal(error: string, description: string, mode: ResponseMode): ResponseRefusal {
  return { error, description, mode };
}

/** The answer carrying `params` (plus `state`) back to the application in the target's response mode. */
export function authorizeResponse(target: ResponseTarget, params: Record<string, string>): AuthorizeResponse {
  const all = { ...params, ...(target.state === undefined ? {} : { state: target.state }) };
  switch (target.mode) {
    case 'form_post':
      return { kind: 'html', html: formPostPage(target.redirectUri, all) };
    case 'web_message':
      return { kind: 'html', html: webMessagePage(new URL(target.redirectUri).origin, all) };
    case 'fragment': {
      const url = new URL(target.redirectUri);
      url.hash = new URLSearchParams(all).toString();
      return { kind: 'redirect', url: url.toString() };
    }
    case 'query': {
      const url = new URL(target.redirectUri);
      for (const [name, value] of Object.entries(all)) url.searchParams.set(name, value);
      return { kind: 'redirect', url: url.toString() };
    }
  }
}

/**
 * Auth0's form_post page: a form that submits itself on load (OAuth 2.0 Form Post Response Mode), with a button for a
 * browser that runs no script.
 */
function formPostPage(action: string, params: Record<string, string>): string {
  const inputs = Object.entries(params).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}"/>`,
  );
  return String(
    html`<html><head><title>Submit This Form</title></head><body onload="javascript:document.forms[0].submit()"><form method="post" action="${action}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`,
  );
}

/**
 * Auth0's web_message page: posts `{type: 'authorization_response', response}` to the opener or parent window, to the
 * redirect_uri's origin only (auth0.com/docs/authenticate/login/configure-silent-authentication).
 */
function webMessagePage(targetOrigin: string, response: Record<string, string>): string {
  const message = { type: 'authorization_response', response };
  return `<!DOCTYPE html><html><head><title>Authorization Response</title></head><body><script type="text/javascript">(function(window){var targetOrigin=${scriptJson(targetOrigin)};var authorizationResponse=${scriptJson(message)};var mainWin=window.opener?window.opener:window.parent;mainWin.postMessage(authorizationResponse,targetOrigin);})(this);</script></body></html>`;
}

/** JSON that cannot end the script element it sits in, whatever the application put in `state`. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
