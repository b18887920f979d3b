import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { peopleSearch, type Settings } from '../lib/api';
import { deferred, mockDesk, SETTINGS } from '../test/fakeDesk';
import { makeSession, makeSetup, makeStatus } from '../test/fixtures';
import { createSession, type SessionStore } from './session.svelte';

afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

/** Lets the fake Rust side answer (its answers are promises, not timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

function follow(store: SessionStore) {
  const seen: string[] = [];
  store.on({ signedin: (s) => seen.push(`in:${s.userId}`), signedout: () => seen.push('out') });
  return seen;
}

describe('the session store at start', () => {
  it('a reloaded window carries on: status, setup, the signed-in person, then the settings', async () => {
    const desk = mockDesk();
    const store = createSession();
    const seen = follow(store);
    expect(store.screen).toBe('starting');
    await store.load();
    await settle();
    expect(store.screen).toBe('desk');
    expect(store.session?.userId).toBe('latha.k');
    expect(store.status?.migrationsOk).toBe(true);
    expect(store.settings).toEqual(SETTINGS);
    expect(store.clinicName).toBe('Skinspire Clinic, Jayanagar');
    expect(store.loading).toBe(false);
    expect(seen).toEqual(['in:latha.k']);
    expect(desk.callsTo('settings_get')).toHaveLength(1);
  });

  it('nobody signed in: the sign-in screen, and no settings read', async () => {
    const desk = mockDesk({ session_current: () => null });
    const store = createSession();
    const seen = follow(store);
    await store.load();
    await settle();
    expect(store.screen).toBe('signin');
    expect(store.session).toBeNull();
    expect(seen).toEqual([]);
    expect(desk.callsTo('settings_get')).toEqual([]);
  });

  it('a first start shows setup without asking for a session; when done, sign-in with the user ID filled in', async () => {
    const desk = mockDesk({ setup_status: () => makeSetup({ needsFirstAdmin: true }) });
    const store = createSession();
    await store.load();
    expect(store.screen).toBe('setup');
    expect(desk.callsTo('session_current')).toEqual([]);

    store.setupDone('meera');
    expect(store.screen).toBe('signin');
    expect(store.signin).toEqual({ notice: 'The desk is set up. Sign in as the administrator.', tone: 'ok', userId: 'meera' });
    expect(store.signinKey).toBe(1);
  });

  it('a failed start shows the error; loading again starts the desk', async () => {
    let calls = 0;
    mockDesk({
      app_status: () => {
        calls += 1;
        if (calls === 1) throw { code: 'database_unavailable', message: 'The database file is missing.' };
        return makeStatus();
      },
    });
    const store = createSession();
    await store.load();
    expect(store.screen).toBe('error');
    expect(store.error).toEqual({ code: 'database_unavailable', message: 'The database file is missing.' });
    await store.load();
    expect(store.error).toBeNull();
    expect(store.screen).toBe('desk');
  });

  it('says "Starting…" only once app_status has taken 300 ms', async () => {
    vi.useFakeTimers();
    const answer = deferred<unknown>();
    mockDesk({ app_status: () => answer.promise });
    const store = createSession();
    const loading = store.load();
    expect(store.loading).toBe(true);
    vi.advanceTimersByTime(299);
    expect(store.showStarting).toBe(false);
    vi.advanceTimersByTime(1);
    expect(store.showStarting).toBe(true);
    answer.resolve(makeStatus());
    await loading;
    expect(store.showStarting).toBe(false);
    expect(store.loading).toBe(false);
  });

  it('a slow answer to an older load does not overwrite a newer one', async () => {
    const first = deferred<unknown>();
    let calls = 0;
    mockDesk({
      app_status: () => {
        calls += 1;
        if (calls === 1) return first.promise;
        throw { code: 'not_ready', message: 'Still getting ready.' };
      },
    });
    const store = createSession();
    const older = store.load();
    await store.load();
    expect(store.screen).toBe('error');
    first.resolve(makeStatus());
    await older;
    await settle();
    expect(store.screen).toBe('error');
    expect(store.status).toBeNull();
    expect(store.loading).toBe(false);
  });
});

describe('signing out', () => {
  it('"Sign out" returns to sign-in at once, tells the listeners, then tells Rust', async () => {
    const desk = mockDesk();
    const store = createSession();
    const seen = follow(store);
    await store.load();
    await store.signOut();
    expect(store.screen).toBe('signin');
    expect(store.session).toBeNull();
    expect(store.signin).toEqual({ notice: 'You have signed out.', tone: 'info', userId: '' });
    expect(store.signinKey).toBe(1);
    expect(seen).toEqual(['in:latha.k', 'out']);
    expect(desk.callsTo('sign_out')).toEqual([{}]);
  });

  it('settings that answer after the sign-out are not kept', async () => {
    const settings = deferred<Settings>();
    mockDesk({ session_current: () => null, settings_get: () => settings.promise });
    const store = createSession();
    await store.load();
    store.enter(makeSession());
    await store.signOut();
    settings.resolve(SETTINGS);
    await settle();
    expect(store.settings).toBeNull();
  });
});

describe('the session end handler', () => {
  it('session_locked from any command returns to sign-in with Rust’s words and the user ID kept', async () => {
    mockDesk({
      people_search: () => {
        throw { code: 'session_locked', message: 'The desk locked itself. Sign in again.' };
      },
    });
    const store = createSession();
    const seen = follow(store);
    const stop = store.watch();
    try {
      await store.load();
      await expect(peopleSearch('priya')).rejects.toMatchObject({ code: 'session_locked' });
      expect(store.screen).toBe('signin');
      expect(store.signin).toEqual({ notice: 'The desk locked itself. Sign in again.', tone: 'warning', userId: 'latha.k' });
      expect(seen).toEqual(['in:latha.k', 'out']);
    } finally {
      stop();
    }
  });

  it('sign_in_required returns to sign-in with the user ID empty', async () => {
    mockDesk({
      people_search: () => {
        throw { code: 'sign_in_required', message: 'Sign in to use the desk.' };
      },
    });
    const store = createSession();
    const stop = store.watch();
    try {
      await store.load();
      await expect(peopleSearch('priya')).rejects.toMatchObject({ code: 'sign_in_required' });
      expect(store.signin).toEqual({ notice: 'Sign in to use the desk.', tone: 'warning', userId: '' });
    } finally {
      stop();
    }
  });

  it('does nothing when nobody is signed in, or once stopped', async () => {
    mockDesk({
      session_current: () => null,
      people_search: () => {
        throw { code: 'session_locked', message: 'Locked.' };
      },
    });
    const store = createSession();
    const stop = store.watch();
    await store.load();
    await expect(peopleSearch('x')).rejects.toMatchObject({ code: 'session_locked' });
    expect(store.signinKey).toBe(0);

    store.enter(makeSession());
    stop();
    await expect(peopleSearch('x')).rejects.toMatchObject({ code: 'session_locked' });
    expect(store.screen).toBe('desk');
  });
});

describe('what the settings decide', () => {
  it('the idle time comes from the settings, then setup_status, then 5 minutes', () => {
    const store = createSession();
    expect(store.idleMinutes).toBe(5);
    store.setup = makeSetup({ idleLockMinutes: 3 });
    expect(store.idleMinutes).toBe(3);
    store.settings = { ...SETTINGS, idle_lock_minutes: 7 };
    expect(store.idleMinutes).toBe(7);
  });

  it('saved settings change the clinic name shown before and after sign-in', () => {
    const store = createSession();
    store.setup = makeSetup({ clinicName: 'Old name' });
    store.settingsSaved({ ...SETTINGS, clinic_name: '  New name ' });
    expect(store.clinicName).toBe('New name');
    expect(store.setup?.clinicName).toBe('  New name ');
  });
});
