import { describe, expect, it } from 'vitest';
import { createDeployLog } from '../../../scripts/deploy/log.ts';

describe('deploy log', () => {
  it('masks every secret in every line, raw, JSON-escaped and URL-encoded', () => {
    const lines: string[] = [];
    const log = createDeployLog((line) => lines.push(line), ['s3cret"value/x']);
    log.addSecret('another-secret');
    log('raw s3cret"value/x and another-secret');
    log(`json ${JSON.stringify({ v: 's3cret"value/x' })}`);
    log(`form client_secret=${encodeURIComponent('s3cret"value/x')}`);
    expect(lines).toEqual(['raw **** and ****', 'json {"v":"****"}', 'form client_secret=****']);
  });
});
