import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdleTimer, minutesToMs } from './idle';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse('2026-11-24T05:00:00Z'));
});

afterEach(() => {
  vi.useRealTimers();
});

const MIN = 60_000;

describe('createIdleTimer', () => {
  it('locks once after the idle time without activity', () => {
    const onIdle = vi.fn();
    const t = createIdleTimer({ minutes: 5, onIdle });
    t.start();
    vi.advanceTimersByTime(5 * MIN - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(t.running).toBe(false);
    vi.advanceTimersByTime(30 * MIN);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('counts again from each activity', () => {
    const onIdle = vi.fn();
    const t = createIdleTimer({ minutes: 5, onIdle });
    t.start();
    vi.advanceTimersByTime(4 * MIN);
    t.activity();
    vi.advanceTimersByTime(4 * MIN);
    t.activity();
    vi.advanceTimersByTime(4 * MIN);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1 * MIN);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('does nothing before start or after stop; activity does not start it', () => {
    const onIdle = vi.fn();
    const t = createIdleTimer({ minutes: 1, onIdle });
    t.activity();
    vi.advanceTimersByTime(10 * MIN);
    expect(onIdle).not.toHaveBeenCalled();
    t.start();
    t.stop();
    vi.advanceTimersByTime(10 * MIN);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('takes a new idle time from the last activity', () => {
    const onIdle = vi.fn();
    const t = createIdleTimer({ minutes: 5, onIdle });
    t.start();
    vi.advanceTimersByTime(2 * MIN);
    t.setMinutes(3);
    vi.advanceTimersByTime(1 * MIN - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('check() locks at once when the clock jumped past the deadline (the computer slept)', () => {
    const onIdle = vi.fn();
    const t = createIdleTimer({ minutes: 5, onIdle });
    t.start();
    // The wall clock moves on while timers did not run.
    vi.setSystemTime(Date.now() + 6 * MIN);
    t.check();
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * MIN);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('check() before the deadline does nothing', () => {
    const onIdle = vi.fn();
    const t = createIdleTimer({ minutes: 5, onIdle });
    t.start();
    vi.advanceTimersByTime(2 * MIN);
    t.check();
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('treats a nonsense idle time as the default 5 minutes', () => {
    expect(minutesToMs(0)).toBe(5 * MIN);
    expect(minutesToMs(Number.NaN)).toBe(5 * MIN);
    expect(minutesToMs(2)).toBe(2 * MIN);
  });
});
