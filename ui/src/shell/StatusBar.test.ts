import { clearMocks } from '@tauri-apps/api/mocks';
import { render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncView } from '../lib/api';
import { announceSyncChanged, SYNC_REFRESH_MS, SYNC_RUNNING_REFRESH_MS } from '../lib/sync';
import { mockDesk, type Handler } from '../test/fakeDesk';
import { makeSession, makeStatus, makeSyncView } from '../test/fixtures';
import StatusBar from './StatusBar.svelte';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const SYNCED = makeSyncView({ configured: true, summary: 'Synced with the clinic at 10:30' });

async function show(syncStatus: Handler, session: ReturnType<typeof makeSession> | null = makeSession()) {
  const desk = mockDesk({ sync_status: syncStatus });
  const view = render(StatusBar, { status: makeStatus(), session });
  await settle();
  return { desk, ...view };
}

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();

describe('StatusBar: the sync line', () => {
  it('reads the line again at once when the sync screen saves or syncs', async () => {
    let answer = makeSyncView({ configured: false, summary: null });
    await show(() => answer);
    expect(screen.queryByTestId('status-sync')).toBeNull();
    answer = SYNCED;
    announceSyncChanged();
    await settle();
    expect(text('status-sync')).toBe('Synced with the clinic at 10:30');
  });

  it('shows the summary as plain information when sync is fine, beside the other items', async () => {
    await show(() => SYNCED);
    expect(text('status-sync')).toBe('Synced with the clinic at 10:30');
    expect(screen.getByTestId('status-sync').closest('.tone')).toBeNull();
    expect(screen.getByTestId('status-sync').dataset.tone).toBeUndefined();
    // The existing items are all still there, in their places.
    expect(text('status-staff')).toBe('Signed in: Latha K (reception)');
    expect(text('status-keyring')).toBe('keyring: ok');
    const items = [...screen.getByTestId('status-bar').querySelectorAll('.items > li')];
    expect(items.at(-1)?.contains(screen.getByTestId('status-sync'))).toBe(true);
  });

  it('styles a failing sync as a warning, with an icon and the words', async () => {
    await show(() =>
      makeSyncView({
        configured: true,
        lastError: "The clinic server can't be reached.",
        summary: 'Clinic server unreachable since 10:42; 37 events waiting',
      }),
    );
    const line = screen.getByTestId('status-sync');
    expect(line.textContent).toBe('Clinic server unreachable since 10:42; 37 events waiting');
    expect(line.dataset.tone).toBe('warning');
    const tone = line.closest('.tone');
    expect(tone?.classList.contains('tone-warning')).toBe(true);
    expect(tone?.querySelector('.icon')?.textContent).toBe('!');
  });

  it('styles a stopped sync (a restored backup) as a warning', async () => {
    await show(() =>
      makeSyncView({
        configured: true,
        forkedAtSeq: 42,
        summary: "Sync stopped: this desk's history differs from the clinic's from event 42 (restored from a backup?).",
      }),
    );
    expect(screen.getByTestId('status-sync').closest('.tone-warning')).not.toBeNull();
  });

  it('shows nothing when sync is not set up, or when its status cannot be read', async () => {
    const { unmount } = await show(() => makeSyncView());
    expect(screen.queryByTestId('status-sync')).toBeNull();
    unmount();
    await show(() => {
      throw { code: 'internal', message: 'The desk could not do that.' };
    });
    expect(screen.queryByTestId('status-sync')).toBeNull();
    expect(screen.getByTestId('status-keyring')).toBeTruthy();
  });

  it('asks only while someone is signed in, and drops the line on sign-out', async () => {
    const { desk, rerender } = await show(() => SYNCED, null);
    vi.advanceTimersByTime(2 * SYNC_REFRESH_MS);
    await settle();
    expect(desk.callsTo('sync_status')).toEqual([]);
    expect(screen.queryByTestId('status-sync')).toBeNull();

    await rerender({ session: makeSession() });
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(1);
    expect(text('status-sync')).toBe('Synced with the clinic at 10:30');

    await rerender({ session: null });
    await settle();
    expect(screen.queryByTestId('status-sync')).toBeNull();
    vi.advanceTimersByTime(2 * SYNC_REFRESH_MS);
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(1);
  });

  it('re-reads every 30 seconds, and every second while a round runs', async () => {
    let view: SyncView = SYNCED;
    const { desk } = await show(() => view);
    expect(desk.callsTo('sync_status')).toHaveLength(1);

    vi.advanceTimersByTime(SYNC_REFRESH_MS - 1);
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(1);
    view = makeSyncView({ configured: true, running: true, progress: { done: 1200, total: 100000 }, summary: 'Syncing with the clinic: 1200 of 100000 people' });
    vi.advanceTimersByTime(1);
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(2);
    expect(text('status-sync')).toBe('Syncing with the clinic: 1200 of 100000 people');
    // The bar is a live region; the running count is not read out every second.
    expect(screen.getByTestId('status-sync').closest('li')?.getAttribute('aria-live')).toBe('off');

    // Running: once a second.
    vi.advanceTimersByTime(SYNC_RUNNING_REFRESH_MS);
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(3);
    view = { ...SYNCED, summary: 'Synced with the clinic at 10:35' };
    vi.advanceTimersByTime(SYNC_RUNNING_REFRESH_MS);
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(4);
    expect(text('status-sync')).toBe('Synced with the clinic at 10:35');
    expect(screen.getByTestId('status-sync').closest('li')?.hasAttribute('aria-live')).toBe(false);

    // Done: back to every 30 seconds.
    vi.advanceTimersByTime(SYNC_REFRESH_MS - 1);
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(4);
    vi.advanceTimersByTime(1);
    await settle();
    expect(desk.callsTo('sync_status')).toHaveLength(5);
  });
});
