import { Agent, EXIT_CONFIG, EXIT_FAILURE } from './agent';
import { ConfigError, HelpRequested, parseAgentConfig, type AgentConfig } from './config/agent-config';
import { createLogger } from './logger';

async function main(): Promise<number> {
  let config: AgentConfig;
  try {
    config = parseAgentConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.message);
      return 0;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`corral-agent: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const agent = new Agent(config, logger);
  let signals = 0;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      signals += 1;
      // a second signal means "now": components are left as they are
      if (signals > 1) process.exit(130);
      agent.requestStop(signal);
    });
  }
  return agent.run();
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`corral-agent: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
