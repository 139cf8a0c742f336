// The repository's root, for the scripts beside this file (they live two levels below it).
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
