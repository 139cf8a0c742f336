import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../state-dir/atomic-write';
import type { StateDir } from '../state-dir/state-dir';

/** What the agent remembers about a process it started, to adopt it after its own restart. */
export interface ProcessRecord {
  name: string;
  pid: number;
  /** /proc/<pid>/stat field 22: tells our process apart from a later one with a reused pid */
  startTime: string;
  specHash: string;
  startedAt: string;
}

export class ProcessRecordStore {
  constructor(private readonly stateDir: StateDir) {}

  write(record: ProcessRecord): void {
    writeFileAtomic(this.stateDir.recordPath(record.name), `${JSON.stringify(record)}\n`, 0o600);
  }

  read(name: string): ProcessRecord | null {
    try {
      const parsed = JSON.parse(readFileSync(this.stateDir.recordPath(name), 'utf8')) as ProcessRecord;
      if (typeof parsed.pid !== 'number' || typeof parsed.startTime !== 'string' || typeof parsed.specHash !== 'string') return null;
      return { ...parsed, name };
    } catch {
      return null;
    }
  }

  list(): ProcessRecord[] {
    let entries: string[];
    try {
      entries = readdirSync(this.stateDir.runDir);
    } catch {
      return [];
    }
    return entries
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.read(f.slice(0, -'.json'.length)))
      .filter((r): r is ProcessRecord => r !== null);
  }

  remove(name: string): void {
    rmSync(this.stateDir.recordPath(name), { force: true });
  }
}
