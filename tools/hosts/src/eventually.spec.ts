import { eventually, untilDefined } from './eventually';
import { freePort } from './free-port';

describe('eventually', () => {
  it('returns the first truthy value, counting throws as not yet', async () => {
    let calls = 0;
    const value = await eventually(
      () => {
        calls++;
        if (calls === 1) throw new Error('not up');
        return calls >= 3 ? { calls } : null;
      },
      { intervalMs: 1 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('fails naming what it waited for, the last error and the described state', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('connection refused');
        },
        { what: 'the server', timeoutMs: 20, intervalMs: 5, describe: () => ({ pid: 42 }) },
      ),
    ).rejects.toThrow(/waiting for the server; last: error: connection refused; state: \{"pid":42\}/);
  });
});

describe('freePort', () => {
  it('gives a port one can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
  });
});

describe('untilDefined', () => {
  it('takes false as an answer; only undefined is "not yet"', async () => {
    let calls = 0;
    expect(await untilDefined(() => (++calls < 3 ? undefined : false), { intervalMs: 1 })).toBe(false);
    expect(calls).toBe(3);
  });
});
