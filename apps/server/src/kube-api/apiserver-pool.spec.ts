import { ApiserverPool, type ApiserverRecord } from './apiserver-pool';

const TLS = { caPem: 'ca', certPem: 'cert', keyPem: 'key' };
const record = (n: number, reportedHealthy = true): ApiserverRecord => ({ hostId: `h${n}`, hostname: `node-${n}`, address: `10.0.0.${n}`, port: 6443, reportedHealthy });

describe('ApiserverPool', () => {
  it('sticks to the apiserver in use while it stays usable, then moves to the first usable one', () => {
    const pool = new ApiserverPool('env', 'demo', TLS, () => undefined);
    pool.update([record(1), record(2), record(3)], TLS);
    expect(pool.pick()?.record.hostname).toBe('node-1');
    const [one, two] = pool.list();
    one.probeOk = false;
    expect(pool.pick()?.record.hostname).toBe('node-2');
    one.probeOk = true;
    expect(pool.pick()?.record.hostname).toBe('node-2');
    two.record = { ...two.record, reportedHealthy: false };
    expect(pool.pick()?.record.hostname).toBe('node-1');
    pool.close();
  });

  it('when none is usable, tries the one whose probes failed least rather than refusing', () => {
    const pool = new ApiserverPool('env', 'demo', TLS, () => undefined);
    pool.update([record(1, false), record(2, false)], TLS);
    const [one, two] = pool.list();
    one.probeOk = false;
    one.failuresInARow = 3;
    two.probeOk = false;
    two.failuresInARow = 1;
    expect(pool.pick()?.record.hostname).toBe('node-2');
    expect(pool.pick(new Set([two]))?.record.hostname).toBe('node-1');
    expect(pool.pick(new Set([one, two]))).toBeNull();
    pool.close();
  });

  it('keeps a backend (and its connections) across updates, and ends what is open to one that left', () => {
    const pool = new ApiserverPool('env', 'demo', TLS, () => undefined);
    pool.update([record(1), record(2)], TLS);
    const [one, two] = pool.list();
    one.probeOk = false;
    const ended: string[] = [];
    two.track({ destroy: (err) => ended.push(err?.message ?? '') });
    pool.update([record(1)], TLS);
    expect(pool.list()[0]).toBe(one);
    expect(one.probeOk).toBe(false);
    expect(ended).toEqual(['kube-apiserver on node-2 left the environment']);
    pool.close();
  });
});
