import type { NodeHostInfo } from './node-host';

/** One test host: a network namespace with its own address, state dir and logs. */
export interface TestHost {
  index: number;
  /** short host name, e.g. "h0", unique within a harness */
  name: string;
  namespace: string;
  /** the host's IPv4 address on the harness bridge (eth0 inside the namespace) */
  address: string;
  /** the root-namespace end of the host's veth, attached to the bridge */
  link: string;
  /** an empty directory for the host's agent state */
  stateDir: string;
  logDir: string;
  /** set for node hosts (HostHarness.create({ nodes: true }) or addHost({ node: true })) */
  node?: NodeHostInfo;
}
