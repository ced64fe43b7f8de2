import { describe, expect, it } from 'vitest';
import { makeTestApp, testConfig } from './support.ts';

const behindProxy = (hops = '1') => makeTestApp({ config: testConfig({ TRUST_PROXY: hops }) });

describe('forwarded headers', () => {
  it('ignores X-Forwarded-* without TRUST_PROXY: anyone can send them', async () => {
    const response = await makeTestApp().request('/consent', {
      headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example' },
    });
    expect(response.status).not.toBe(308);
    expect(response.status).not.toBe(421);
  });

  it('sends a request the proxy received over http to WEB_URL over https, keeping path and query', async () => {
    const response = await behindProxy().request('/consent?session_token=t&state=s', {
      headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'link.example.com' },
    });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('https://link.example.com/consent?session_token=t&state=s');
  });

  it('refuses a request forwarded for another host with 421 and never redirects to it', async () => {
    const response = await behindProxy().request('/account', {
      headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example' },
    });
    expect(response.status).toBe(421);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toBe('This server answers for https://link.example.com only.');
  });

  it('reads the value the outermost trusted proxy wrote, not one a client prepended', async () => {
    const response = await behindProxy('1').request('/consent?session_token=t&state=s', {
      headers: { 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'evil.example, link.example.com' },
    });
    expect(response.status).not.toBe(308);
    expect(response.status).not.toBe(421);
  });
});
