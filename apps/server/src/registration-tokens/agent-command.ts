import type { Request } from 'express';
import type { CorralConfig } from '../config/corral-config';
import { agentRegistrationCommand, requestPublicUrl } from '../tls/server-tls';

/** A created token's answer with `agentCommand`: the corral-agent line, ready to copy, pinning this server's CA. */
export function withAgentCommand<T extends { token: string }>(config: CorralConfig, req: Request, created: T): T & { agentCommand: string } {
  return { ...created, agentCommand: agentRegistrationCommand(config, requestPublicUrl(config, req), created.token) };
}
