/**
 * Rules a component spec must meet, checked by the server when it accepts a spec and again by the
 * agent before it acts on one (the agent runs as root and must not trust a compromised server or a
 * tampered cache). One copy, so the two sides never drift apart.
 */

/**
 * Names a component may not set: they choose which code every process of the component loads
 * (the dynamic loader's preload list and search path) or which binaries its bare names resolve to
 * (the agent puts --bin-dir first on PATH itself).
 */
export const REFUSED_ENV_NAMES: readonly string[] = ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'PATH'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** a file name in --bin-dir, as a component's `binary` */
export const BIN_DIR_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,255}$/;
const BIN_DIR_PLACEHOLDER = '${binDir}/';

/** Why an `env` map is refused (names, values, refused names), or null when it is acceptable. */
export function envProblem(env: unknown): string | null {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return 'must be an object mapping names to strings';
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) return `name ${JSON.stringify(name)} is not a valid environment variable name`;
    if (REFUSED_ENV_NAMES.includes(name)) return `name ${name} may not be set (refused: ${REFUSED_ENV_NAMES.join(', ')})`;
    if (typeof value !== 'string') return `${name} must be a string, got ${value === null ? 'null' : typeof value}`;
  }
  return null;
}

/**
 * Why an exec probe's command is refused, or null. Its executable must come from the agent's
 * --bin-dir: a plain file name (looked up there) or `${binDir}/<name>`; never another path on the
 * host, since the probe runs as the agent's user.
 */
export function probeCommandProblem(command: unknown): string | null {
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) return 'must be a non-empty array of strings';
  const executable = command[0] as string;
  const name = executable.startsWith(BIN_DIR_PLACEHOLDER) ? executable.slice(BIN_DIR_PLACEHOLDER.length) : executable;
  if (!BIN_DIR_NAME.test(name)) return `executable ${JSON.stringify(executable)} must be a file name in the agent's --bin-dir (a plain name or \${binDir}/<name>)`;
  return null;
}

/**
 * Why a teardown step's command is refused, or null: the rule of an exec probe. Its executable
 * comes from the agent's --bin-dir (a plain name or `${binDir}/<name>`), never another path on the
 * host; no shell, so a desired state cannot make the agent (root) run a script it chose. The
 * catalog's cleanup scripts are Corral's helper `corral-teardown` in --bin-dir, fixed in code.
 */
export function teardownCommandProblem(command: unknown): string | null {
  return probeCommandProblem(command);
}
