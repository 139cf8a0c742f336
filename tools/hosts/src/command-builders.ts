/**
 * argv builders for the common cases. They run the same Node the caller runs (v24 from
 * node_modules), which matters because `ip netns exec` resolves bare names on PATH.
 */
export function nodeArgv(script: string, ...args: string[]): string[] {
  return [process.execPath, script, ...args];
}

export function nodeEvalArgv(code: string, ...args: string[]): string[] {
  return [process.execPath, '-e', code, ...args];
}
