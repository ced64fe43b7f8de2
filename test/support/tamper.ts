// Changes the first character of a JWS/JWE's last segment (signature or GCM tag).
// A segment's first base64url character always carries six bits of data, unlike its
// last one, so the decoded bytes differ for certain and the test can never pass by luck.
export function tamperLastSegment(token: string): string {
  const at = token.lastIndexOf('.') + 1;
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
}
