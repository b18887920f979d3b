import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeliverySource, DeliveryUpdate, Health } from '../lib/api';
import { deferred, mockDesk, type Handler } from '../test/fakeDesk';
import { makeHealth, makeSession, makeUpdate } from '../test/fixtures';
import { createHealthPoll, HEALTH_AFTER_EVENT_MS, HEALTH_REFRESH_MS } from './health.svelte';
import { createSession } from './session.svelte';

let stop: (() => void) | null = null;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  stop?.();
  stop = null;
  vi.useRealTimers();
  clearMocks();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** A delivery-event source the test fires by hand. */
function fakeSource() {
  const listeners: Array<(u: DeliveryUpdate) => void> = [];
  const unlisten = vi.fn();
  const source: DeliverySource = vi.fn(async (cb: (u: DeliveryUpdate) => void) => {
    listeners.push(cb);
    return unlisten;
  });
  return { source, unlisten, fire: (u: DeliveryUpdate) => listeners.forEach((cb) => cb(u)) };
}

async function start(overrides: Record<string, Handler> = {}) {
  const desk = mockDesk(overrides);
  const events = fakeSource();
  const store = createSession();
  const poll = createHealthPoll(store, () => events.source);
  stop = poll.watch();
  await store.load();
  await settle();
  return { desk, events, store, poll };
}

describe('health polling', () => {
  it('reads health on sign-in and every 30 seconds while signed in; stops when signed out', async () => {
    const { desk, store, poll } = await start({ delivery_health: () => makeHealth({ queued: 3 }) });
    expect(desk.callsTo('delivery_health')).toHaveLength(1);
    expect(poll.health?.queued).toBe(3);

    vi.advanceTimersByTime(HEALTH_REFRESH_MS - 1);
    await settle();
    expect(desk.callsTo('delivery_health')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await settle();
    expect(desk.callsTo('delivery_health')).toHaveLength(2);
    vi.advanceTimersByTime(2 * HEALTH_REFRESH_MS);
    await settle();
    expect(desk.callsTo('delivery_health')).toHaveLength(4);

    await store.signOut();
    expect(poll.health).toBeNull();
    vi.advanceTimersByTime(5 * HEALTH_REFRESH_MS);
    await settle();
    expect(desk.callsTo('delivery_health')).toHaveLength(4);
    expect(poll.health).toBeNull();
  });

  it('does not poll before anyone signs in', async () => {
    const { desk, poll } = await start({ session_current: () => null });
    vi.advanceTimersByTime(3 * HEALTH_REFRESH_MS);
    await settle();
    expect(desk.callsTo('delivery_health')).toEqual([]);
    expect(poll.health).toBeNull();
  });

  it('re-reads health shortly after delivery events, once for a burst', async () => {
    const { desk, events } = await start();
    expect(events.source).toHaveBeenCalledTimes(1);
    events.fire(makeUpdate());
    vi.advanceTimersByTime(300);
    events.fire(makeUpdate({ status: 'delivered' }));
    vi.advanceTimersByTime(HEALTH_AFTER_EVENT_MS - 1);
    await settle();
    expect(desk.callsTo('delivery_health')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await settle();
    expect(desk.callsTo('delivery_health')).toHaveLength(2);
  });

  it('drops an answer that arrives after the sign-out', async () => {
    const answer = deferred<Health>();
    const { store, poll } = await start({ delivery_health: () => answer.promise });
    await store.signOut();
    answer.resolve(makeHealth());
    await settle();
    expect(poll.health).toBeNull();
  });

  it('listens to delivery events once across sign-ins, and stops listening when told to', async () => {
    const { events, store } = await start();
    await store.signOut();
    store.enter(makeSession());
    await settle();
    expect(events.source).toHaveBeenCalledTimes(1);
    stop?.();
    stop = null;
    expect(events.unlisten).toHaveBeenCalledTimes(1);
  });
});
