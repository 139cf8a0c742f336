import { UsageError } from '../exit-codes';
import { labelsOf, planCreate } from './create-args';

describe('planCreate', () => {
  it('builds the request from the flags', () => {
    const plan = planCreate('ci-42', { version: '1.32', pool: 'ci', hosts: '3', hostSelector: 'zone=a', etcdMembers: '3', ttl: '30m', label: ['team=platform', 'run=42,job=e2e'], wait: true, timeout: '5m' });
    expect(plan.request).toEqual({
      name: 'ci-42',
      kubernetesVersion: 'v1.32',
      labels: { team: 'platform', run: '42', job: 'e2e' },
      ttl: '30m',
      etcd: { members: 3 },
      hosts: { pool: 'ci', count: 3, labelSelector: 'zone=a' },
    });
    expect(plan).toMatchObject({ wait: true, timeoutMs: 300_000, kubeconfigFile: null, merge: false, deleteOnInterrupt: false });
  });

  it('takes as many pool hosts as etcd members unless told, and waits by default for 10 minutes', () => {
    expect(planCreate('a', { pool: 'ci', etcdMembers: '3' }).request.hosts).toEqual({ pool: 'ci', count: 3 });
    expect(planCreate('a', { pool: 'ci', waitForHosts: true }).request).toMatchObject({ hosts: { count: 1 }, waitForHosts: true });
    expect(planCreate('a', { wait: true }).timeoutMs).toBe(600_000);
  });

  it('gives an environment created without a TTL one on Ctrl-C: 1h unless --interrupt-ttl says otherwise', () => {
    expect(planCreate('a', { wait: true }).interruptTtl).toBe('1h');
    expect(planCreate('a', { wait: true, interruptTtl: ' 15m ' }).interruptTtl).toBe('15m');
  });

  it('waits when a kubeconfig is asked for', () => {
    expect(planCreate('a', { kubeconfig: 'kc' })).toMatchObject({ wait: true, kubeconfigFile: 'kc' });
    expect(planCreate('a', { merge: true })).toMatchObject({ wait: true, merge: true });
  });

  it.each([
    ['Not_A_Name', {}, /environment name/],
    ['a', { hosts: '2' }, /need --pool/],
    ['a', { waitForHosts: true }, /need --pool/],
    ['a', { pool: 'ci', hosts: '0' }, /--hosts must be/],
    ['a', { pool: 'ci', hosts: 'three' }, /--hosts must be/],
    ['a', { pool: 'C I' }, /--pool/],
    ['a', { ttl: 'soon' }, /--ttl: invalid duration/],
    ['a', { ttl: '0' }, /--ttl must be longer than 0/],
    ['a', { etcdMembers: '2' }, /--etcd-members must be 1, 3 or 5/],
    ['a', { timeout: '5m' }, /--timeout needs --wait/],
    ['a', { deleteOnInterrupt: true }, /--delete-on-interrupt needs --wait/],
    ['a', { interruptTtl: '1h' }, /--interrupt-ttl needs --wait/],
    ['a', { wait: true, interruptTtl: '1h', deleteOnInterrupt: true }, /exclude each other/],
    ['a', { wait: true, interruptTtl: '1h', ttl: '2h' }, /--interrupt-ttl is for environments without --ttl/],
    ['a', { wait: true, interruptTtl: 'later' }, /--interrupt-ttl: invalid duration/],
    ['a', { wait: true, timeout: 'x' }, /--timeout: invalid duration/],
    ['a', { label: ['novalue'] }, /--label/],
  ])('refuses %s %j', (name, flags, message) => {
    expect(() => planCreate(name, flags)).toThrow(UsageError);
    expect(() => planCreate(name, flags)).toThrow(message);
  });

  it('merges repeated labels and refuses one key with two values', () => {
    expect(labelsOf(['a=1', 'b=2', 'a=1'])).toEqual({ a: '1', b: '2' });
    expect(() => labelsOf(['a=1', 'a=2'])).toThrow(/given twice/);
  });
});
