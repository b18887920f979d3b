import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROGRESS_DELAY_MS, withProgress } from './progress';

afterEach(() => {
  vi.useRealTimers();
});

describe('withProgress', () => {
  it('shows nothing for quick work', async () => {
    const seen: boolean[] = [];
    await expect(withProgress(Promise.resolve(5), (s) => seen.push(s))).resolves.toBe(5);
    expect(seen).toEqual([false]);
  });

  it('turns progress on after ~300 ms and off at the end, even on failure', async () => {
    vi.useFakeTimers();
    const seen: boolean[] = [];
    let fail: (e: unknown) => void = () => {};
    const work = new Promise((_, reject) => (fail = reject));
    const run = withProgress(work, (s) => seen.push(s));
    vi.advanceTimersByTime(PROGRESS_DELAY_MS - 1);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([true]);
    fail({ code: 'x', message: 'y' });
    await expect(run).rejects.toEqual({ code: 'x', message: 'y' });
    expect(seen).toEqual([true, false]);
  });
});
