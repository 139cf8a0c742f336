import { classifyEvent } from './classify-event';

const ev = (reason: string, message = '', component: string | null = null, hostId: string | null = null) => ({ reason, message, component, hostId });

describe('classifyEvent', () => {
  it('reads state changes from State<Name> reasons and the lifecycle reasons', () => {
    expect(classifyEvent(ev('StateActive', 'environment x is active: every component is healthy'))).toEqual({ kind: 'state', state: 'active' });
    expect(classifyEvent(ev('StateProvisioning'))).toEqual({ kind: 'state', state: 'provisioning' });
    expect(classifyEvent(ev('Created'))).toEqual({ kind: 'state', state: 'pending' });
    expect(classifyEvent(ev('Expired'))).toEqual({ kind: 'state', state: 'deleting' });
    expect(classifyEvent(ev('Deleted'))).toEqual({ kind: 'state', state: 'deleted' });
    expect(classifyEvent(ev('StateBogus'))).toEqual({ kind: 'event' });
  });

  it('reads condition changes from their Type=Status message', () => {
    expect(classifyEvent(ev('EtcdReady', 'EtcdReady=True (AllHealthy): 1 etcd component(s) healthy'))).toEqual({ kind: 'condition', condition: { type: 'EtcdReady', status: 'True' } });
    expect(classifyEvent(ev('ControlPlaneReadyFalse', 'ControlPlaneReady=False (CrashLoop): kube-scheduler …'))).toEqual({ kind: 'condition', condition: { type: 'ControlPlaneReady', status: 'False' } });
  });

  it('tells component and host progress apart from the rest', () => {
    expect(classifyEvent(ev('ComponentRunning', 'etcd on node-1 is running and healthy', 'etcd', 'h1'))).toEqual({ kind: 'component' });
    expect(classifyEvent(ev('DesiredStateChanged', 'host node-1: added etcd', null, 'h1'))).toEqual({ kind: 'component' });
    expect(classifyEvent(ev('HostClaimed', 'host node-1 claimed from pool ci', null, 'h1'))).toEqual({ kind: 'host' });
    expect(classifyEvent(ev('CertificatesIssued', 'issued 12 certificate(s)'))).toEqual({ kind: 'event' });
  });
});
