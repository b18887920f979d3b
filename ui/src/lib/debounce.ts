// Wait for typing to pause before doing something (the template preview: 300 ms).

export const PREVIEW_DEBOUNCE_MS = 300;

export type Debounced<A extends unknown[]> = {
  /** Runs `fn` with these arguments once `ms` have passed without another call. */
  call: (...args: A) => void;
  /** Runs the waiting call now, if any. */
  flush: () => void;
  cancel: () => void;
  readonly pending: boolean;
};

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let args: A | null = null;
  const run = () => {
    timer = null;
    const a = args;
    args = null;
    if (a) fn(...a);
  };
  return {
    call(...a: A) {
      args = a;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(run, ms);
    },
    flush() {
      if (timer !== null) {
        clearTimeout(timer);
        run();
      }
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      args = null;
    },
    get pending() {
      return timer !== null;
    },
  };
}
