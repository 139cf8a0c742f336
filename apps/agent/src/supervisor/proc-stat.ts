import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** single-letter state: R, S, D, Z (zombie), T, ... */
  state: string;
  /** process group id */
  pgrp: number;
  /** field 22: start time in clock ticks after boot; with the pid it identifies a process */
  startTime: string;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field n is rest[n - 3]
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTime = rest[19];
  if (!Number.isInteger(pid) || !state || !Number.isInteger(pgrp) || !startTime || !/^\d+$/.test(startTime)) return null;
  return { pid, state, pgrp, startTime };
}

/** The live process's stat, or null when there is no such process. */
export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** True when pid is a live (non-zombie) process that started at startTime. */
export function isSameLiveProcess(pid: number, startTime: string): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.startTime === startTime;
}
