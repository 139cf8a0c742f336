import { isSameLiveProcess, parseProcStat, readProcStat } from './proc-stat';

describe('parseProcStat', () => {
  it('reads state, process group and start time (field 22)', () => {
    const line = '4242 (etcd) S 1 4242 4242 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 12 0 987654 123456789 4000 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, state: 'S', pgrp: 4242, startTime: '987654' });
  });

  it('copes with spaces and parentheses in the command name', () => {
    const line = '77 (we ird) (x)) Z 1 70 70 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5555 0 0';
    expect(parseProcStat(line)).toEqual({ pid: 77, state: 'Z', pgrp: 70, startTime: '5555' });
  });

  it('rejects garbage', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('12 (x) S 1 2')).toBeNull();
  });
});

describe('readProcStat', () => {
  it('describes this very process and nothing for a pid that does not exist', () => {
    const self = readProcStat(process.pid);
    expect(self?.pid).toBe(process.pid);
    expect(isSameLiveProcess(process.pid, self!.startTime)).toBe(true);
    expect(isSameLiveProcess(process.pid, '1')).toBe(false);
    expect(readProcStat(2 ** 22 + 1)).toBeNull();
  });
});
