import { sleep } from './sleep';

describe('sleep', () => {
  it('resolves true after the time has passed', async () => {
    const t0 = Date.now();
    await expect(sleep(30)).resolves.toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it('resolves false at once when the signal aborts, or was aborted already', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    const waiting = sleep(10_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(sleep(10_000, controller.signal)).resolves.toBe(false);
  });
});
