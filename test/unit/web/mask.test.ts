import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../../web/mask.ts';

describe('email masking', () => {
  it.each([
    ['victim@example.com', 'v•••m@example.com'],
    ['al@example.com', 'a•••@example.com'],
    ['a@example.com', 'a•••@example.com'],
    ['victim@exаmple.com', 'v•••m@xn--exmple-4nf.com'],
    ['ｖictim@example.com', 'U+FF56•••m@example.com'],
    ['not-an-email', '•••'],
  ])('masks %s as %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });
});
