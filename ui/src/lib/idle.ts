// The idle lock: after so many minutes without keyboard or mouse activity the desk locks
// itself. The deadline is checked against the clock when the timer fires (and on `check()`),
// so a computer that slept past the deadline locks as soon as it wakes.

export type IdleTimerOptions = {
  minutes: number;
  onIdle: () => void;
  /** The clock; tests may pass their own. */
  now?: () => number;
};

export type IdleTimer = {
  /** Starts (or restarts) counting from now. */
  start(): void;
  /** Keyboard or mouse activity: counts from now again (only while running). */
  activity(): void;
  /** Locks now if the time is up (after the computer woke, or the window regained focus). */
  check(): void;
  /** A new idle time (settings changed); keeps the last activity. */
  setMinutes(minutes: number): void;
  stop(): void;
  readonly running: boolean;
};

export const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'input'] as const;

export function minutesToMs(minutes: number): number {
  const m = Number.isFinite(minutes) && minutes > 0 ? minutes : 5;
  return m * 60_000;
}

export function createIdleTimer(options: IdleTimerOptions): IdleTimer {
  const now = options.now ?? Date.now;
  let limit = minutesToMs(options.minutes);
  let last = now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;

  function clear(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  function arm(): void {
    clear();
    const left = Math.max(0, last + limit - now());
    timer = setTimeout(fire, left);
  }

  function fire(): void {
    timer = null;
    if (!running) return;
    if (now() - last >= limit) {
      running = false;
      options.onIdle();
    } else {
      arm();
    }
  }

  return {
    start() {
      running = true;
      last = now();
      arm();
    },
    activity() {
      if (!running) return;
      last = now();
      arm();
    },
    check() {
      if (running && now() - last >= limit) {
        clear();
        fire();
      }
    },
    setMinutes(minutes: number) {
      limit = minutesToMs(minutes);
      if (running) arm();
    },
    stop() {
      running = false;
      clear();
    },
    get running() {
      return running;
    },
  };
}
