import { staleNodeConditions } from './node-lifecycle';

const now = new Date('2026-01-01T00:01:00Z');
const cond = (type: string, status: string, heartbeat: string) => ({ type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: '2026-01-01T00:00:00Z' });

describe('staleNodeConditions', () => {
  it('leaves nodes with a fresh heartbeat alone', () => {
    expect(staleNodeConditions([cond('Ready', 'True', '2026-01-01T00:00:50Z')], now, 40_000)).toBeUndefined();
  });

  it('marks every condition Unknown once the grace period has passed', () => {
    const out = staleNodeConditions([cond('MemoryPressure', 'False', '2026-01-01T00:00:00Z'), cond('Ready', 'True', '2026-01-01T00:00:00Z')], now, 40_000)!;
    expect(out.map((c) => c.status)).toEqual(['Unknown', 'Unknown']);
    expect(out[1]).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: '2026-01-01T00:01:00Z' });
  });

  it('does nothing for nodes already Unknown or without a Ready condition', () => {
    expect(staleNodeConditions([cond('Ready', 'Unknown', '2025-01-01T00:00:00Z')], now, 40_000)).toBeUndefined();
    expect(staleNodeConditions([], now, 40_000)).toBeUndefined();
    expect(staleNodeConditions(undefined, now, 40_000)).toBeUndefined();
  });
});
