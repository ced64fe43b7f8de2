import { describe, expect, it } from 'vitest';
import {
  isRefusal,
  parseResponseType,
  readResponseRequest,
} from '../../../emulator/login/authorize-response.ts';

const ALL_GRANTS = ['authorization_code', 'implicit'];

describe('parseResponseType', () => {
  it.each([
    ['code', ['code']],
    ['id_token code', ['code', 'id_token']],
    ['token  id_token code', ['code', 'token', 'id_token']],
  ])('reads %j in any order', (value, parts) => {
    expect(parseResponseType(value)).toEqual(parts);
  });

  it.each(['', 'code code', 'code bogus', 'none'])('refuses %j', (value) => {
    expect(parseResponseType(value)).toBeUndefined();
  });
});

describe('readResponseRequest', () => {
  it.each([
    ['code', 'query'],
    ['code id_token', 'fragment'],
    ['token', 'fragment'],
  ])('answers %s in the %s by default', (type, mode) => {
    expect(readResponseRequest({ response_type: type, nonce: 'n' }, ALL_GRANTS)).toMatchObject({ mode });
  });

  it('refuses an unknown response_mode in the response type’s default mode', () => {
    expect(readResponseRequest({ response_type: 'code', response_mode: 'jwt' }, ALL_GRANTS)).toEqual({
      error: 'invalid_request',
      description: 'Unsupported response_mode: jwt',
      mode: 'query',
    });
  });

  it('asks for the authorization_code grant for a code', () => {
    const answer = readResponseRequest({ response_type: 'code' }, ['implicit']);
    expect(isRefusal(answer) && answer.error).toBe('unauthorized_client');
  });

  it('accepts web_message, which Auth0 serves without publishing it', () => {
    expect(readResponseRequest({ response_type: 'code', response_mode: 'web_message' }, ALL_GRANTS)).toEqual({
      parts: ['code'],
      mode: 'web_message',
    });
  });
});
