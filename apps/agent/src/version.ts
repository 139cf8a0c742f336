/** Reported at registration and in every status report. */
export const AGENT_VERSION = '0.1.0';
