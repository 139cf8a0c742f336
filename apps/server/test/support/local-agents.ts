// Loopback hosts live with the other test-host tooling in tools/hosts; tests keep this name.
export { REPO, STAND_IN_BIN, killProcessesUnder, processesUnder, startLoopbackAgents as startLocalAgents } from '../../../../tools/hosts/src/loopback-agents';
export type { LocalAgent } from '../../../../tools/hosts/src/loopback-agents';
