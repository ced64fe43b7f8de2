import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ACTION_CODE_LIMIT_BYTES } from '../../../scripts/build-action.ts';
import { DeployConfigError, DeployError, deploy, planDeploy } from '../../../scripts/deploy.ts';
import { rejectionBy } from '../../support/thrown.ts';

const VALID = {
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_CLIENT_ID: 'deploy-client',
  AUTH0_CLIENT_SECRET: 'deploy-secret-value',
  WEB_URL: 'https://link.example.com',
  SESSION_TOKEN_SECRET: 'a-session-token-secret-of-32-chars!',
};

function boundaries() {
  return {
    createManagement: vi.fn(() => {
      throw new Error('no Management client may be built');
    }),
    runImport: vi.fn(async () => {
      throw new Error('a0deploy must not run');
    }),
    buildAction: vi.fn(async () => 0),
  };
}

function tenantWithBundle(bytes: number | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-unit-'));
  writeFileSync(
    path.join(dir, 'tenant.yaml'),
    'actions:\n  - name: account-linking\n    code: ./bundle.js\n    supported_triggers: [{id: post-login, version: v3}]\n',
  );
  if (bytes !== undefined) writeFileSync(path.join(dir, 'bundle.js'), 'x'.repeat(bytes));
  return path.join(dir, 'tenant.yaml');
}

describe('deploy before any request', () => {
  it.each([
    ['SESSION_TOKEN_SECRET', { SESSION_TOKEN_SECRET: undefined }],
    ['SESSION_TOKEN_SECRET', { SESSION_TOKEN_SECRET: 'too-short' }],
    ['AUTH0_DOMAIN', { AUTH0_DOMAIN: 'https://tenant.eu.auth0.com' }],
    ['WEB_URL', { WEB_URL: 'not a url' }],
    ['CHECK_ON', { CHECK_ON: 'always' }],
  ])(
    'refuses a bad %s without building a Management client, building or importing',
    async (variable, patch) => {
      const fakes = boundaries();
      const lines: string[] = [];
      const error = await rejectionBy(
        DeployConfigError,
        deploy({ ...VALID, ...patch }, { ...fakes, log: (l) => lines.push(l) }),
      );
      expect(error.problems[0]?.variable).toBe(variable);
      expect(lines).toEqual([]);
      expect(fakes.createManagement).not.toHaveBeenCalled();
      expect(fakes.buildAction).not.toHaveBeenCalled();
      expect(fakes.runImport).not.toHaveBeenCalled();
    },
  );

  it('refuses a missing bundle before any request', async () => {
    const fakes = boundaries();
    const error = await rejectionBy(
      DeployError,
      planDeploy(VALID, { ...fakes, tenantFile: tenantWithBundle(undefined), log: () => {} }),
    );
    expect(error.code).toBe('bundle_missing');
    expect(fakes.createManagement).not.toHaveBeenCalled();
  });

  it('refuses a bundle over 100 kB, the limit the build enforces too, before any request', async () => {
    const fakes = boundaries();
    const error = await rejectionBy(
      DeployError,
      deploy(VALID, { ...fakes, tenantFile: tenantWithBundle(ACTION_CODE_LIMIT_BYTES + 1), log: () => {} }),
    );
    expect(error.code).toBe('bundle_too_large');
    expect(error.message).toContain('102401 bytes');
    expect(fakes.buildAction).toHaveBeenCalledOnce();
    expect(fakes.createManagement).not.toHaveBeenCalled();
  });
});
