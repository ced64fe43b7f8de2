/** One short structured line per decision; never a token, secret or full email (Auth0 keeps 256 characters). */
export function logDecision(
  decision: string,
  fields: Record<string, string | number | boolean | undefined>,
): void {
  console.log(`account-linking ${JSON.stringify({ decision, ...fields })}`);
}
