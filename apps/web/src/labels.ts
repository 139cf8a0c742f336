/** "team=a, tier=ci" -> {team: 'a', tier: 'ci'}; a piece without "=" is an error naming it. */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  for (const piece of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = piece.indexOf('=');
    if (eq <= 0) return { error: `"${piece}" is not key=value` };
    labels[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  return { labels };
}
