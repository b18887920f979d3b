// Delivery health for the status bar and the desk (demo mode, usable channels): read on sign-in,
// every 30 seconds while someone is signed in, and shortly after each delivery event; dropped on
// sign-out.
import { deliveryHealth, onDelivery, type DeliverySource, type Health, type Unlisten } from '../lib/api';
import type { SessionStore } from './session.svelte';

/** Health is re-read this often, and shortly after each delivery event. */
export const HEALTH_REFRESH_MS = 30_000;
export const HEALTH_AFTER_EVENT_MS = 800;

export class HealthPoll {
  /** The last answer of `delivery_health`; null before it answers and while signed out. */
  health = $state<Health | null>(null);

  #session: SessionStore;
  #source: () => DeliverySource;
  #stopEvents: Unlisten | null = null;
  #listening = false;
  #gone = false;
  #soon: ReturnType<typeof setTimeout> | null = null;

  /** `source`: where `delivery` events come from (read when listening starts); tests pass their own. */
  constructor(session: SessionStore, source: () => DeliverySource = () => onDelivery) {
    this.#session = session;
    this.#source = source;
    session.on({
      signedin: () => {
        void this.refresh();
        this.#listen();
      },
      signedout: () => {
        this.health = null;
      },
    });
  }

  /** Reads `delivery_health` now (only while someone is signed in). */
  async refresh(): Promise<void> {
    if (!this.#session.session) return;
    try {
      const h = await deliveryHealth();
      if (this.#session.session) this.health = h;
    } catch {
      // The status bar leaves delivery out rather than guess.
    }
  }

  /** Polls every HEALTH_REFRESH_MS while the desk has started and someone is signed in. Returns a stop function. */
  watch(): () => void {
    const every = setInterval(() => {
      if (this.#session.status && this.#session.session) void this.refresh();
    }, HEALTH_REFRESH_MS);
    return () => {
      this.#gone = true;
      this.#stopEvents?.();
      if (this.#soon) clearTimeout(this.#soon);
      clearInterval(every);
    };
  }

  /** Listens to delivery events (once signed in) to keep the status bar current. */
  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.#source()(() => {
      if (this.#soon) clearTimeout(this.#soon);
      this.#soon = setTimeout(() => void this.refresh(), HEALTH_AFTER_EVENT_MS);
    }).then(
      (unlisten) => (this.#gone ? unlisten() : (this.#stopEvents = unlisten)),
      () => (this.#listening = false),
    );
  }
}

export function createHealthPoll(session: SessionStore, source?: () => DeliverySource): HealthPoll {
  return new HealthPoll(session, source);
}
