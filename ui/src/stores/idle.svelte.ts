// The idle lock, for the whole window: it runs while someone is signed in, counts keyboard and
// mouse activity anywhere in the window, follows the clinic's idle time, and when the time is up
// goes back to sign-in (user ID kept) and signs out in Rust too.
import { signOut } from '../lib/api';
import { ACTIVITY_EVENTS, createIdleTimer, type IdleTimer } from '../lib/idle';
import { idleLockMessage } from '../lib/session';
import type { SessionStore } from './session.svelte';

export type IdleLockOptions = {
  /** The clock; tests may pass their own. */
  now?: () => number;
};

export class IdleLock {
  #session: SessionStore;
  #timer: IdleTimer;

  constructor(session: SessionStore, options: IdleLockOptions = {}) {
    this.#session = session;
    this.#timer = createIdleTimer({ minutes: 5, onIdle: () => void this.lock(), now: options.now });
    session.on({
      signedin: () => this.#timer.start(),
      signedout: () => this.#timer.stop(),
    });
  }

  /** True while the lock is counting (someone is signed in). */
  get running(): boolean {
    return this.#timer.running;
  }

  /**
   * Follows the idle time in the settings and listens for activity (and for the window coming
   * back, when the time may be up already). Returns a function that stops all of it.
   */
  watch(target: Window = window): () => void {
    const stopMinutes = $effect.root(() => {
      $effect(() => {
        this.#timer.setMinutes(this.#session.idleMinutes);
      });
    });
    const activity = () => this.#timer.activity();
    const check = () => this.#timer.check();
    for (const type of ACTIVITY_EVENTS) target.addEventListener(type, activity, { capture: true });
    target.addEventListener('focus', check);
    target.document.addEventListener('visibilitychange', check);
    return () => {
      stopMinutes();
      this.#timer.stop();
      for (const type of ACTIVITY_EVENTS) target.removeEventListener(type, activity, { capture: true });
      target.removeEventListener('focus', check);
      target.document.removeEventListener('visibilitychange', check);
    };
  }

  /** The time is up: back to sign-in with the reason and the user ID, then sign out in Rust. */
  async lock(): Promise<void> {
    const session = this.#session;
    if (!session.session) return;
    const who = session.session.userId;
    session.leave(idleLockMessage(session.idleMinutes), 'warning', who);
    try {
      await signOut();
    } catch {
      // The Rust side locks an idle session on its own too.
    }
  }
}

export function createIdleLock(session: SessionStore, options?: IdleLockOptions): IdleLock {
  return new IdleLock(session, options);
}
