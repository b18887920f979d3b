// "Everything over ~300 ms shows progress": a flag that turns on only if work is slow.

export const PROGRESS_DELAY_MS = 300;
export const SEARCH_DEBOUNCE_MS = 150;

/**
 * Runs `work`; calls `setSlow(true)` if it is still running after `delay` ms
 * and `setSlow(false)` when it ends. Returns the work's own promise.
 */
export async function withProgress<T>(
  work: Promise<T>,
  setSlow: (slow: boolean) => void,
  delay = PROGRESS_DELAY_MS,
): Promise<T> {
  const timer = setTimeout(() => setSlow(true), delay);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    setSlow(false);
  }
}
