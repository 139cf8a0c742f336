import type { EnvironmentWaitResponse } from '@corral/contracts';
import { formatFailure } from './failure-report';

describe('formatFailure', () => {
  it('names the failing condition and shows the last log lines of each failing component', () => {
    const env = {
      name: 'ci-7',
      state: 'provisioning',
      stateReason: null,
      wait: {
        for: 'active',
        result: 'failed',
        waitedMs: 9000,
        failure: { reason: 'CrashLoop', message: 'ControlPlaneReady: …', condition: { type: 'ControlPlaneReady', status: 'False', reason: 'CrashLoop', message: 'kube-scheduler on node-1: crash-looping (exit 1)', lastTransitionTime: '' } },
      },
    } as unknown as EnvironmentWaitResponse;
    const text = formatFailure(env, [
      {
        hostname: 'node-1',
        components: [
          { name: 'etcd', kind: 'etcd', observed: { phase: 'running', healthy: true, restarts: 0, message: null, crashLoop: false, lastLogLines: ['fine'], exitCode: null } },
          { name: 'kube-scheduler', kind: 'kube-scheduler', observed: { phase: 'failed', healthy: false, restarts: 4, message: 'exited with code 1; restarting in 4.0s', crashLoop: true, lastLogLines: ['', 'E0101 bad flag --bogus', 'usage: kube-scheduler'], exitCode: 1 } },
        ],
      },
    ]);
    expect(text).toBe(
      [
        'environment ci-7 failed: CrashLoop',
        '  condition ControlPlaneReady=False (CrashLoop): kube-scheduler on node-1: crash-looping (exit 1)',
        '  kube-scheduler on node-1: crash-looping, exit code 1, 4 restart(s): exited with code 1; restarting in 4.0s',
        '    last log lines:',
        '    | E0101 bad flag --bogus',
        '    | usage: kube-scheduler',
        '',
      ].join('\n'),
    );
  });

  it('says why when no condition is to blame', () => {
    const env = { name: 'x', state: 'deleting', stateReason: 'Expired', wait: { for: 'active', result: 'failed', waitedMs: 1, failure: { reason: 'Expired', message: 'environment is being deleted (Expired) and will never be active' } } } as unknown as EnvironmentWaitResponse;
    expect(formatFailure(env, [])).toBe('environment x failed: Expired\n  environment is being deleted (Expired) and will never be active\n');
  });
});
