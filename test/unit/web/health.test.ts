import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { mountHealth, type ReadinessCheck } from '../../../web/health.ts';
import { makeTestApp } from './support.ts';

function countingCheck(name: string, outcome: () => Promise<void>): ReadinessCheck & { runs: number } {
  const check = {
    name,
    runs: 0,
    run() {
      check.runs += 1;
      return outcome();
    },
  };
  return check;
}

function healthApp(checks: ReadinessCheck[], clock: { now: number }) {
  const app = new Hono();
  mountHealth(app, checks, () => clock.now);
  return app;
}

describe('health endpoints', () => {
  it('answers /healthz with no I/O, no cookie and no personal data', async () => {
    const { app } = makeTestApp();
    const response = await app.request('https://link.example.com/healthz');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('is ready with no checks configured', async () => {
    const response = await makeTestApp().app.request('https://link.example.com/readyz');
    expect([response.status, await response.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('names each failing check in a 503 and nothing else', async () => {
    const clock = { now: 0 };
    const app = healthApp(
      [
        countingCheck('discovery', () => Promise.reject(new Error('ECONNREFUSED user@example.com'))),
        countingCheck('management_token', () => Promise.resolve()),
      ],
      clock,
    );
    const response = await app.request('/readyz');

    expect(response.status).toBe(503);
    expect(await response.text()).toBe('{"status":"not_ready","failing":["discovery"]}');
  });

  it('asks the tenant at most once per five seconds, however often it is probed', async () => {
    const clock = { now: 0 };
    const discovery = countingCheck('discovery', () => Promise.resolve());
    const app = healthApp([discovery], clock);

    await Promise.all([app.request('/readyz'), app.request('/readyz'), app.request('/readyz')]);
    clock.now = 4_999;
    await app.request('/readyz');
    expect(discovery.runs).toBe(1);

    clock.now = 5_000;
    await app.request('/readyz');
    expect(discovery.runs).toBe(2);
  });

  it('turns ready again once a failing check passes after the cache window', async () => {
    const clock = { now: 0 };
    let reachable = false;
    const app = healthApp(
      [countingCheck('discovery', () => (reachable ? Promise.resolve() : Promise.reject(new Error('down'))))],
      clock,
    );
    expect((await app.request('/readyz')).status).toBe(503);
    reachable = true;
    clock.now = 5_000;
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
