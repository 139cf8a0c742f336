import { absoluteTime, relativeTime, timeLeft } from './time';

describe('time formatting', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it('relative: the largest whole unit, past and future', () => {
    expect(relativeTime('2026-01-01T11:57:00Z', now)).toBe('3 minutes ago');
    expect(relativeTime('2026-01-01T14:30:00Z', now)).toBe('in 2 hours');
    expect(relativeTime('2026-01-01T11:59:58Z', now)).toBe('2 seconds ago');
  });
  it('time left', () => {
    expect(timeLeft(null, now)).toBe('no TTL');
    expect(timeLeft('2026-01-01T11:00:00Z', now)).toBe('expired');
    expect(timeLeft('2026-01-01T13:05:10Z', now)).toBe('1h 5m');
    expect(timeLeft('2026-01-03T13:00:00Z', now)).toBe('2d 1h');
    expect(timeLeft('2026-01-01T12:00:42Z', now)).toBe('42s');
  });
  it('absolute, in UTC', () => {
    expect(absoluteTime('2026-01-01T11:57:00.123Z')).toBe('2026-01-01 11:57:00 UTC');
  });
});
