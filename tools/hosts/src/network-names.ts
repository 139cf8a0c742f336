import { randomBytes } from 'node:crypto';

/** Every name the harness creates starts with this, so leftovers are recognisable. */
export const NAME_PREFIX = 'crl';
const ID_PATTERN = /^[0-9a-f]{6}$/;
const NAMESPACE_PATTERN = /^crl-([0-9a-f]{6})-h\d+$/;
const LINK_PATTERN = /^crl([0-9a-f]{6})(?:br|v\d+)$/;

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export function isRunId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Interface names must stay within IFNAMSIZ-1 = 15 characters. */
export const networkNames = {
  bridge: (id: string) => `${NAME_PREFIX}${id}br`,
  /** root-side end of a host's veth pair; the namespace end is called eth0 */
  rootLink: (id: string, index: number) => `${NAME_PREFIX}${id}v${index}`,
  namespace: (id: string, index: number) => `${NAME_PREFIX}-${id}-h${index}`,
  host: (index: number) => `h${index}`,
  /** locally administered unicast MAC, unique per run */
  bridgeMac: (id: string) => `02:c0:${id.slice(0, 2)}:${id.slice(2, 4)}:${id.slice(4, 6)}:01`,
};

/** The run id a namespace or link name belongs to, or null when it is not ours. */
export function runIdOf(name: string): string | null {
  return NAMESPACE_PATTERN.exec(name)?.[1] ?? LINK_PATTERN.exec(name)?.[1] ?? null;
}
