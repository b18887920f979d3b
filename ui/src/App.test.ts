import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { INTERNAL_ERROR_MESSAGE } from './lib/api';
import { makeHealth, makeStatus } from './test/fixtures';
import { mockDesk } from './test/fakeDesk';

afterEach(() => {
  clearMocks();
});

function text(testId: string): string {
  return (screen.getByTestId(testId).textContent ?? '').trim();
}

describe('App', () => {
  it('shows the product name in the header', async () => {
    mockDesk();
    render(App);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Skinspire Verify Desk');
    await screen.findByTestId('welcome');
  });

  it('fills the status bar once app_status answers', async () => {
    const status = makeStatus({ version: '0.3.1', schemaVersion: 4, databasePath: '/srv/desk/desk.sqlite3' });
    mockDesk({ app_status: () => status });

    render(App);

    expect((await screen.findByTestId('status-keyring')).textContent).toBe('keyring: ok');
    expect(text('status-db')).toBe('database: /srv/desk/desk.sqlite3');
    expect(text('status-version')).toBe('v0.3.1');
    expect(text('status-migrations')).toBe('schema 4 ✓');
    expect(screen.queryByTestId('status-keyring-message')).toBeNull();
    expect(screen.getByTestId('status-bar').getAttribute('role')).toBe('status');
    expect((await screen.findByTestId('welcome')).textContent).toContain(
      'Find a person to verify their phone or email.',
    );
    // The desk is ready to search, with the keyboard already in the search box.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('search-input')));
    expect(screen.queryByTestId('startup-error')).toBeNull();
  });

  it('shows a keyring problem and failed migrations in words, not only colour', async () => {
    mockDesk({
      app_status: () =>
        makeStatus(
          { schemaVersion: 2, migrationsOk: false },
          { state: 'locked', message: 'The keyring is locked. Sign out and in again to unlock it.' },
        ),
    });

    render(App);

    expect((await screen.findByTestId('status-keyring')).textContent).toBe('keyring: locked');
    expect(text('status-keyring-message')).toBe(
      'The keyring is locked. Sign out and in again to unlock it.',
    );
    expect(text('status-migrations')).toBe('schema 2 — update failed');
  });

  it('says how many messages wait for a locked keyring, and warns of a code key only in memory', async () => {
    const pepper =
      'The code key is only in memory because the keyring could not be read: codes sent now cannot be checked after a restart. Unlock the keyring and restart the desk.';
    mockDesk({
      app_status: () =>
        makeStatus(
          { waitingForKeyring: 1, temporaryPepper: pepper },
          { state: 'locked', message: 'The keyring is locked. Unlock it to send messages.' },
        ),
      // The polled health knows of more waiting by now.
      delivery_health: () => makeHealth({ keyring: { state: 'locked', message: '', backend: 'secret-service' }, waitingForKeyring: 3 }),
    });
    render(App);

    expect((await screen.findByTestId('status-keyring-message')).textContent).toBe('The keyring is locked. Unlock it to send messages.');
    await waitFor(() =>
      expect(text('status-keyring-waiting')).toBe('The keyring is locked: unlock it and the waiting messages go (3 waiting)'),
    );
    expect(text('status-temporary-pepper')).toBe(pepper);
  });

  it('says nothing of the keyring waits or the code key when all is well', async () => {
    mockDesk();
    render(App);
    await screen.findByTestId('welcome');
    expect(screen.queryByTestId('status-keyring-waiting')).toBeNull();
    expect(screen.queryByTestId('status-temporary-pepper')).toBeNull();
  });

  it('shows the error screen with the message when app_status rejects', async () => {
    const message = 'The database file is missing or damaged. Ask your administrator to restore it.';
    mockIPC(() => {
      throw { code: 'database_unavailable', message };
    });

    render(App);

    const screenEl = await screen.findByTestId('startup-error');
    expect(screenEl.textContent).toContain("The desk can't start");
    expect(text('startup-error-message')).toBe(message);
    expect(screen.queryByTestId('startup-error-note')).toBeNull();
    expect(screen.queryByTestId('welcome')).toBeNull();
    // The status bar stays visible and says the desk has not started.
    expect(text('status-pending')).toBe('The desk has not started.');
    // Keyboard lands on "Try again".
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Try again' }));
  });

  it('adds "Nothing has been changed." for a too-new database only if the message lacks it', async () => {
    mockIPC(() => {
      throw { code: 'database_too_new', message: 'This database was made by a newer desk.' };
    });

    render(App);

    await screen.findByTestId('startup-error');
    expect(text('startup-error-message')).toBe('This database was made by a newer desk.');
    expect(text('startup-error-note')).toBe('Nothing has been changed.');
  });

  it('shows plain words when the rejection is not {code, message}', async () => {
    mockIPC(() => Promise.reject('Command app_status not allowed by ACL'));

    render(App);

    await screen.findByTestId('startup-error');
    expect(text('startup-error-message')).toBe(INTERNAL_ERROR_MESSAGE);
    expect(screen.getByTestId('startup-error').textContent).not.toContain('ACL');
  });

  it('"Try again" calls app_status again and starts the desk when it works', async () => {
    let calls = 0;
    mockDesk({
      app_status: () => {
        calls += 1;
        if (calls === 1) throw { code: 'not_ready', message: 'The desk is still getting ready. Try again in a moment.' };
        return makeStatus();
      },
    });

    render(App);

    await screen.findByTestId('startup-error');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));

    expect((await screen.findByTestId('status-keyring')).textContent).toBe('keyring: ok');
    expect(await screen.findByTestId('welcome')).toBeTruthy();
    expect(calls).toBe(2);
    expect(screen.queryByTestId('startup-error')).toBeNull();
  });

  it('shows "Starting…" only when app_status is slow', async () => {
    let answer: (value: unknown) => void = () => {};
    mockDesk({ app_status: () => new Promise((resolve) => (answer = resolve)) });

    render(App);

    // Not straight away…
    expect(screen.queryByTestId('starting')).toBeNull();
    // …but after the delay.
    expect((await screen.findByTestId('starting')).textContent).toContain('Starting…');

    answer(makeStatus());
    await screen.findByTestId('welcome');
    expect(screen.queryByTestId('starting')).toBeNull();
  });
});
