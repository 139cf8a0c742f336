import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest directory above this file with an nx.json: works from src/, from dist/ and from
 * the harness compiled alone for child processes (which has no path aliases, so this file
 * imports nothing of the repository). Outside the repository, the layout tools/hosts/src.
 */
export function repoRoot(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    dir = dirname(dir);
  }
  return join(__dirname, '../../..');
}
