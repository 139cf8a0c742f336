import type { RouteSpec } from '../config/pod-network-flags';

/** Corral's route protocol id: every route of this protocol in the main table is the daemon's. */
export const ROUTE_PROTOCOL = 250;

/** a route of ROUTE_PROTOCOL as `ip -j route show proto N` lists it */
export interface InstalledRoute {
  /** CIDR, /32 written out */
  dst: string;
  /** null for a route without a single gateway (a device route, multipath) */
  gateway: string | null;
  /** 0 when ip shows none */
  metric: number;
}

export interface RoutePlan {
  /** `ip route replace <cidr> via <via> proto N`: missing, or with another gateway */
  replace: RouteSpec[];
  /** `ip route del <dst> proto N [metric M]`: no longer desired */
  remove: InstalledRoute[];
}

/**
 * What turns the installed routes of our protocol into exactly the desired ones: each desired
 * CIDR via its gateway at metric 0 (as `ip route replace` without a metric makes it), nothing else.
 */
export function planRoutes(desired: readonly RouteSpec[], installed: readonly InstalledRoute[]): RoutePlan {
  const wanted = new Map(desired.map((route) => [route.cidr, route.via]));
  const replace = desired.filter((route) => !installed.some((r) => r.dst === route.cidr && r.metric === 0 && r.gateway === route.via));
  // a desired CIDR at metric 0 is overwritten by `replace`; at another metric it is a stray copy
  const remove = installed.filter((r) => !wanted.has(r.dst) || r.metric !== 0);
  return { replace, remove };
}

/** Reads `ip -j route show proto N` (JSON); throws on anything else. */
export function parseRouteList(json: string): InstalledRoute[] {
  const text = json.trim();
  if (text === '') return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`ip -j route show: expected a JSON array, got ${text.slice(0, 100)}`);
  return parsed.map((entry: { dst?: unknown; gateway?: unknown; metric?: unknown }) => {
    if (typeof entry?.dst !== 'string') throw new Error(`ip -j route show: a route without dst: ${JSON.stringify(entry)}`);
    const dst = entry.dst === 'default' ? '0.0.0.0/0' : entry.dst.includes('/') ? entry.dst : `${entry.dst}/32`;
    return { dst, gateway: typeof entry.gateway === 'string' ? entry.gateway : null, metric: typeof entry.metric === 'number' ? entry.metric : 0 };
  });
}
