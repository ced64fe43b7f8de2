import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localTenantLine, writeLocalTenantFile } from '../../../emulator/index.ts';

const TENANT = {
  domain: 'localhost:8443',
  issuer: 'https://localhost:8443/',
  caFile: '/work/.local-tenant/tls/ca.pem',
  clientId: 'bootstrap-client',
  clientSecret: 'bootstrap-secret-never-on-the-terminal',
};

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the local tenant start line', () => {
  it('npm run tenant prints the JSON scripts parse, secret included', () => {
    const line = localTenantLine(TENANT);
    expect(line.startsWith('LOCAL_TENANT ')).toBe(true);
    expect(JSON.parse(line.slice('LOCAL_TENANT '.length))).toEqual({
      domain: 'localhost:8443',
      issuer: 'https://localhost:8443/',
      ca_file: '/work/.local-tenant/tls/ca.pem',
      client_id: 'bootstrap-client',
      client_secret: 'bootstrap-secret-never-on-the-terminal',
    });
  });

  it('npm start writes the same JSON to a file only the user can read and prints only its absolute path', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'start-line-'));
    const file = path.join(dir, 'local-tenant.json');
    // A file left readable by an earlier run must not stay readable.
    writeFileSync(file, '{}', { mode: 0o644 });

    const line = writeLocalTenantFile(TENANT, path.relative(process.cwd(), file));

    expect(line).toBe(`LOCAL_TENANT_FILE ${file}`);
    expect(line).not.toContain(TENANT.clientSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(localTenantLine(TENANT).slice('LOCAL_TENANT '.length));
  });
});
