/** Locale-independent string order for ids, so every server computes the same plan. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
