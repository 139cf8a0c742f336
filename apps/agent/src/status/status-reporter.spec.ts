import pino from 'pino';
import type { StatusReport } from '@corral/contracts';
import type { AgentApiClient } from '../client/agent-api-client';
import { StatusReporter } from './status-reporter';

describe('StatusReporter', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (check: () => boolean, ms = 2000) => {
    for (const end = Date.now() + ms; !check() && Date.now() < end; ) await sleep(5);
  };

  function reporter(debounceMs: number, heartbeatMs: number) {
    const sentAt: number[] = [];
    let version = 0;
    const client = { putStatus: async () => void sentAt.push(Date.now()) } as unknown as AgentApiClient;
    const r = new StatusReporter({
      client,
      snapshot: (): StatusReport => ({ agentVersion: 'test', observedRevision: version++, components: [] }),
      heartbeatMs,
      debounceMs,
      onUnauthorized: () => undefined,
      logger: pino({ level: 'silent' }),
    });
    const stop = new AbortController();
    const running = r.run(stop.signal);
    return { r, sentAt, stop: async () => (stop.abort(), await running) };
  }

  it('sends a change at once, then at most one report per debounce interval', async () => {
    const { r, sentAt, stop } = reporter(300, 60_000);
    try {
      await until(() => sentAt.length === 1); // the first report (everything is new at start)
      expect(sentAt).toHaveLength(1);
      await sleep(400);
      const changedAt = Date.now();
      r.notifyChange();
      await until(() => sentAt.length === 2);
      // well before the 300 ms a trailing debounce would wait
      expect(sentAt[1]! - changedAt).toBeLessThan(150);
      // a burst right after a send: coalesced into one report, no sooner than the interval
      for (let i = 0; i < 5; i++) r.notifyChange();
      await sleep(450);
      expect(sentAt).toHaveLength(3);
      expect(sentAt[2]! - sentAt[1]!).toBeGreaterThanOrEqual(290);
    } finally {
      await stop();
    }
  });

  it('reports on every heartbeat without changes', async () => {
    const { sentAt, stop } = reporter(50, 200);
    try {
      await sleep(700);
      expect(sentAt.length).toBeGreaterThanOrEqual(3);
      expect(sentAt.length).toBeLessThanOrEqual(5);
    } finally {
      await stop();
    }
  });
});
