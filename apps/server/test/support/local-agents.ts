// Loopback hosts live with the other test-host tooling in tools/hosts; tests keep this name.
export { REPO, STAND_IN_BIN, killProcessesUnder, processesUnder, startLoopbackAgents as startLocalAgents } from '@corral/test-hosts';
export type { LocalAgent } from '@corral/test-hosts';
