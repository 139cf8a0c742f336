/** A backend server: a ready pod address and its target port. */
export interface Endpoint {
  address: string;
  port: number;
}

/** one backend's server slots; null is an empty (disabled) slot */
export type Slots = Array<Endpoint | null>;

const MIN_SLOTS = 8;

/**
 * How many server slots a backend with `endpoints` ready endpoints gets: at least 8, else the
 * next power of two. Slots are pre-made so that endpoints come and go through the runtime API;
 * only outgrowing them changes the configuration's structure (and needs a reload).
 */
export function slotCount(endpoints: number): number {
  let n = MIN_SLOTS;
  while (n < endpoints) n *= 2;
  return n;
}

const key = (e: Endpoint) => `${e.address}:${e.port}`;

/**
 * Puts endpoints in `count` slots. An endpoint that already had a slot in `previous` keeps it, so
 * its connections are never touched; new ones take the lowest free slots.
 */
export function assignSlots(previous: Slots | undefined, endpoints: readonly Endpoint[], count: number): Slots {
  const wanted = new Map(endpoints.map((e) => [key(e), e]));
  const slots: Slots = Array.from({ length: count }, () => null);
  for (const [i, e] of (previous ?? []).entries()) {
    if (i < count && e && wanted.has(key(e))) {
      slots[i] = e;
      wanted.delete(key(e));
    }
  }
  for (const e of [...wanted.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1))) {
    const free = slots.indexOf(null);
    if (free < 0) throw new Error(`assignSlots: ${endpoints.length} endpoints do not fit ${count} slots`);
    slots[free] = e;
  }
  return slots;
}

/**
 * Runtime API commands (HAProxy's stats socket) that turn the `before` slots of backend `name`
 * into `after` without a reload: a filled slot gets its address and is made ready, an emptied
 * one goes to maintenance (its open connections finish).
 */
export function slotCommands(name: string, before: Slots, after: Slots): string[] {
  const commands: string[] = [];
  for (const [i, next] of after.entries()) {
    const prev = before[i] ?? null;
    if ((prev && next && key(prev) === key(next)) || (!prev && !next)) continue;
    const server = `${name}/${serverName(i)}`;
    if (next) commands.push(`set server ${server} addr ${next.address} port ${next.port}`, `set server ${server} state ready`);
    else commands.push(`set server ${server} state maint`);
  }
  return commands;
}

export const serverName = (slot: number): string => `s${slot + 1}`;
