/** Why the agent cannot go on; carries the process exit code. */
export class FatalAgentError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
