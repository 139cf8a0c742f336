/** How long ago (or, for future times, in how long), kubectl style: 45s, 12m, 3h, 5d. */
export function age(iso: string | null, now: number): string {
  if (!iso) return '-';
  const ms = Math.abs(now - Date.parse(iso));
  if (Number.isNaN(ms)) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** "in 29m", "2m ago" or "-". */
export function until(iso: string | null, now: number): string {
  if (!iso) return '-';
  return Date.parse(iso) >= now ? `in ${age(iso, now)}` : `${age(iso, now)} ago`;
}

/** Elapsed seconds with one decimal, e.g. "12.3s". */
export function elapsed(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
