import { domainToASCII } from 'node:url';

const MASK = '•••';

// Shows the domain in its ASCII (punycode) form and only the first and last character of
// the local part, escaping anything outside printable ASCII, so look-alike addresses stay visible.
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return MASK;
  const local = [...email.slice(0, at)];
  const domain = email.slice(at + 1);
  const shownDomain = domainToASCII(domain) || visibleAscii(domain);
  const first = visibleAscii(local[0] ?? '');
  const last = local.length > 2 ? visibleAscii(local[local.length - 1] ?? '') : '';
  return `${first}${MASK}${last}@${shownDomain}`;
}

function visibleAscii(text: string): string {
  return [...text]
    .map((char) => {
      const code = char.codePointAt(0) ?? 0;
      return code > 0x20 && code < 0x7f ? char : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    })
    .join('');
}
