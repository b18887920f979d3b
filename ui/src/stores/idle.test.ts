import { clearMocks } from '@tauri-apps/api/mocks';
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockDesk, SETTINGS, type FakeDesk } from '../test/fakeDesk';
import { makeSession, makeSetup } from '../test/fixtures';
import { createIdleLock, type IdleLock } from './idle.svelte';
import { createSession, type SessionStore } from './session.svelte';

const MIN = 60_000;
let stop: (() => void) | null = null;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse('2026-11-24T05:00:00Z'));
});

afterEach(() => {
  stop?.();
  stop = null;
  vi.useRealTimers();
  clearMocks();
});

/** Lets the fake Rust side answer, and the idle time follow the settings. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  flushSync();
}

/** A signed-in desk whose settings say `minutes`, with the idle lock watching the window. */
async function signedIn(minutes: number, signedInAlready = true): Promise<{ store: SessionStore; idle: IdleLock; desk: FakeDesk }> {
  const desk = mockDesk({
    session_current: () => (signedInAlready ? makeSession() : null),
    setup_status: () => makeSetup({ idleLockMinutes: 5 }),
    settings_get: () => ({ ...SETTINGS, idle_lock_minutes: minutes }),
  });
  const store = createSession();
  const idle = createIdleLock(store);
  stop = idle.watch();
  await store.load();
  await settle();
  return { store, idle, desk };
}

describe('the idle lock', () => {
  it('fires after the configured minutes without activity: back to sign-in with the user ID, and signs out', async () => {
    const { store, idle, desk } = await signedIn(2);
    expect(idle.running).toBe(true);
    vi.advanceTimersByTime(2 * MIN - 1);
    expect(store.screen).toBe('desk');
    vi.advanceTimersByTime(1);
    expect(store.screen).toBe('signin');
    expect(store.signin).toEqual({
      notice: 'The desk locked itself after 2 minutes without use. Sign in again.',
      tone: 'warning',
      userId: 'latha.k',
    });
    await settle();
    expect(desk.callsTo('sign_out')).toEqual([{}]);
    expect(idle.running).toBe(false);
  });

  it('counts again from any keyboard or mouse activity in the window', async () => {
    const { store } = await signedIn(2);
    vi.advanceTimersByTime(1.5 * MIN);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    vi.advanceTimersByTime(1.5 * MIN);
    window.dispatchEvent(new Event('pointerdown'));
    vi.advanceTimersByTime(1.5 * MIN);
    window.dispatchEvent(new Event('input'));
    vi.advanceTimersByTime(2 * MIN - 1);
    expect(store.screen).toBe('desk');
    vi.advanceTimersByTime(1);
    expect(store.screen).toBe('signin');
  });

  it('locks as soon as the window comes back after the computer slept past the time', async () => {
    const { store } = await signedIn(5);
    // The clock jumps; no timer has had a chance to fire.
    vi.setSystemTime(Date.now() + 6 * MIN);
    window.dispatchEvent(new Event('focus'));
    expect(store.screen).toBe('signin');
    expect(store.signin.notice).toBe('The desk locked itself after 5 minutes without use. Sign in again.');
  });

  it('follows a new idle time saved while signed in', async () => {
    const { store } = await signedIn(2);
    store.settingsSaved({ ...SETTINGS, idle_lock_minutes: 10 });
    flushSync();
    vi.advanceTimersByTime(9 * MIN);
    expect(store.screen).toBe('desk');
    vi.advanceTimersByTime(1 * MIN);
    expect(store.screen).toBe('signin');
    expect(store.signin.notice).toBe('The desk locked itself after 10 minutes without use. Sign in again.');
  });

  it('runs only while someone is signed in', async () => {
    const { store, idle, desk } = await signedIn(2, false);
    expect(idle.running).toBe(false);
    vi.advanceTimersByTime(30 * MIN);
    expect(desk.callsTo('sign_out')).toEqual([]);

    store.enter(makeSession());
    expect(idle.running).toBe(true);
    await store.signOut();
    expect(idle.running).toBe(false);
    vi.advanceTimersByTime(30 * MIN);
    await settle();
    expect(store.signin.notice).toBe('You have signed out.');
    expect(desk.callsTo('sign_out')).toHaveLength(1);
  });

  it('stops watching the window when told to', async () => {
    const { store, idle } = await signedIn(2);
    stop?.();
    stop = null;
    expect(idle.running).toBe(false);
    vi.setSystemTime(Date.now() + 10 * MIN);
    window.dispatchEvent(new Event('focus'));
    vi.advanceTimersByTime(10 * MIN);
    expect(store.screen).toBe('desk');
  });
});
