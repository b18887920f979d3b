// Sign-in, first start, the idle lock and the Admin entry, with a fake Rust side.
import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { makeAdminSession, makeSession, makeSetup, makeStaff, makeSyncSetup, makeSyncView, RECOVERY_CODE } from './test/fixtures';
import { mockDesk, type Handler } from './test/fakeDesk';

afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

function text(testId: string): string {
  return (screen.getByTestId(testId).textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** The desk with nobody signed in yet. */
function signedOut(overrides: Record<string, Handler> = {}) {
  const desk = mockDesk({ session_current: () => null, ...overrides });
  render(App);
  return desk;
}

async function signInAs(userId: string, password: string): Promise<void> {
  const form = await screen.findByTestId('signin-form');
  await fireEvent.input(screen.getByTestId('signin-user-id'), { target: { value: userId } });
  await fireEvent.input(screen.getByTestId('signin-password'), { target: { value: password } });
  await fireEvent.submit(form);
}

describe('first start', () => {
  it('sets up the desk, then offers sign-in with the user ID filled in', async () => {
    let setUp = false;
    const desk = signedOut({
      setup_status: () => makeSetup({ needsFirstAdmin: !setUp, peopleCount: 0, clinicName: setUp ? 'Skinspire Clinic' : '' }),
      setup_first_admin: () => {
        setUp = true;
        return { admin: makeStaff({ userId: 'meera', displayName: 'Dr. Meera Rao', role: 'admin' }), recoveryCode: RECOVERY_CODE };
      },
    });

    await screen.findByTestId('setup-form');
    expect(screen.getByText('Set up this desk')).toBeTruthy();
    expect(screen.getByTestId('setup-form').textContent).toContain('At least 8 characters');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('setup-clinic')));

    await fireEvent.input(screen.getByLabelText('Clinic name'), { target: { value: 'Skinspire Clinic' } });
    await fireEvent.input(screen.getByLabelText("Administrator's name"), { target: { value: 'Dr. Meera Rao' } });
    await fireEvent.input(screen.getByLabelText('User ID'), { target: { value: 'meera' } });
    await fireEvent.input(screen.getByTestId('setup-password'), { target: { value: 'long enough phrase' } });
    await fireEvent.input(screen.getByTestId('setup-password-confirm'), { target: { value: 'long enough phrase' } });
    await fireEvent.click(screen.getByTestId('setup-submit'));

    // The recovery code shows once, large, with what it is for; sign-in waits until it is written down.
    expect((await screen.findByTestId('recovery-code')).textContent).toBe(RECOVERY_CODE);
    expect(text('recovery-code-words')).toBe(
      'Write this recovery code down and keep it somewhere safe, away from the computer. It is the way back in if every administrator is locked out or forgets the password. It is shown only now.',
    );
    expect(screen.queryByTestId('signin-form')).toBeNull();
    expect(screen.queryByTestId('setup-form')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'I have written it down' }));

    expect(await screen.findByTestId('signin-form')).toBeTruthy();
    expect(document.body.textContent).not.toContain(RECOVERY_CODE);
    expect((screen.getByTestId('signin-user-id') as HTMLInputElement).value).toBe('meera');
    expect(text('signin-message')).toContain('The desk is set up');
    expect(desk.callsTo('setup_first_admin')).toEqual([
      {
        input: {
          clinicName: 'Skinspire Clinic',
          admin: { userId: 'meera', displayName: 'Dr. Meera Rao', role: 'admin', password: 'long enough phrase' },
        },
      },
    ]);
    // The password goes nowhere else: both fields are empty now, and with the user ID filled the keyboard is on the password.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('signin-password')));
    expect((screen.getByTestId('signin-password') as HTMLInputElement).value).toBe('');
  });

  it('checks the password policy and the second typing before calling Rust', async () => {
    const desk = signedOut({ setup_status: () => makeSetup({ needsFirstAdmin: true }) });
    await screen.findByTestId('setup-form');
    await fireEvent.input(screen.getByTestId('setup-clinic'), { target: { value: 'Skinspire Clinic' } });
    await fireEvent.input(screen.getByTestId('setup-name'), { target: { value: 'Meera' } });
    await fireEvent.input(screen.getByTestId('setup-user-id'), { target: { value: 'meera' } });
    await fireEvent.input(screen.getByTestId('setup-password'), { target: { value: 'short' } });
    await fireEvent.input(screen.getByTestId('setup-password-confirm'), { target: { value: 'short' } });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    expect(screen.getByTestId('setup-form').textContent).toContain('Use a password of at least 8 characters.');
    expect(document.activeElement).toBe(screen.getByTestId('setup-password'));

    await fireEvent.input(screen.getByTestId('setup-password'), { target: { value: 'long enough phrase' } });
    await fireEvent.input(screen.getByTestId('setup-password-confirm'), { target: { value: 'long enough phrasE' } });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    expect(screen.getByTestId('setup-form').textContent).toContain("The two passwords don't match.");
    expect(desk.callsTo('setup_first_admin')).toEqual([]);
  });
});

describe('start-up', () => {
  it('tells the desk when the sign-in screen has its field focused (the start-up log)', async () => {
    const desk = signedOut({});
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('signin-user-id')));
    expect(desk.callsTo('startup_ready')).toEqual([{ screen: 'sign_in' }]);
  });

  it('tells the desk when the first-start form has its field focused', async () => {
    const desk = signedOut({ setup_status: () => makeSetup({ needsFirstAdmin: true }) });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('setup-clinic')));
    expect(desk.callsTo('startup_ready')).toEqual([{ screen: 'setup' }]);
  });
});

describe('sign-in', () => {
  it('signs in with Enter and lands on the desk with search focused and the staff member shown', async () => {
    const desk = signedOut({ sign_in: () => makeSession() });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('signin-user-id')));
    expect(screen.getByLabelText('Staff user ID')).toBeTruthy();
    expect(screen.getByLabelText('Password')).toBeTruthy();
    await signInAs('latha.k', 'correct horse');

    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('search-input')));
    expect(text('status-staff')).toBe('Signed in: Latha K (reception)');
    expect(desk.callsTo('sign_in')).toEqual([{ userId: 'latha.k', password: 'correct horse' }]);
    expect(screen.getByTestId('sign-out')).toBeTruthy();
  });

  it('shows a wrong password in Rust’s words and clears the password field', async () => {
    const message = "That user ID and password don't match. Check them and try again.";
    signedOut({
      sign_in: () => {
        throw { code: 'sign_in_failed', message };
      },
    });
    await signInAs('latha.k', 'wrong password');
    await waitFor(() => expect(text('signin-message')).toBe(message));
    expect((screen.getByTestId('signin-password') as HTMLInputElement).value).toBe('');
    expect((screen.getByTestId('signin-user-id') as HTMLInputElement).value).toBe('latha.k');
    expect(document.activeElement).toBe(screen.getByTestId('signin-password'));
    expect(screen.queryByTestId('search-input')).toBeNull();
  });

  it('shows a locked account with its time, as given', async () => {
    const message = 'This account is locked after too many wrong passwords. Try again at 10:47, or ask an administrator.';
    signedOut({
      sign_in: () => {
        throw { code: 'account_locked', message };
      },
    });
    await signInAs('latha.k', 'wrong password');
    await waitFor(() => expect(text('signin-message')).toBe(message));
  });

  it('shows a blocked account, and a busy desk, in Rust’s words', async () => {
    const blocked = 'This account is blocked after too many wrong passwords. Ask an administrator to unlock it.';
    const busy = 'Too many failed sign-ins on this desk. Wait 10 minutes and try again.';
    let answer = { code: 'account_blocked', message: blocked };
    signedOut({
      sign_in: () => {
        throw answer;
      },
    });
    await signInAs('latha.k', 'wrong password');
    await waitFor(() => expect(text('signin-message')).toBe(blocked));
    answer = { code: 'desk_busy', message: busy };
    await fireEvent.input(screen.getByTestId('signin-password'), { target: { value: 'another try' } });
    await fireEvent.submit(screen.getByTestId('signin-form'));
    await waitFor(() => expect(text('signin-message')).toBe(busy));
  });

  it('asks for the user ID and password before calling Rust', async () => {
    const desk = signedOut();
    await fireEvent.submit(await screen.findByTestId('signin-form'));
    expect(text('signin-message')).toBe('Type your staff user ID.');
    expect(desk.callsTo('sign_in')).toEqual([]);
  });

  it('"Sign out" signs out and shows the sign-in screen', async () => {
    const desk = mockDesk();
    render(App);
    await fireEvent.click(await screen.findByTestId('sign-out'));
    expect(await screen.findByTestId('signin-form')).toBeTruthy();
    expect(text('signin-message')).toBe('You have signed out.');
    expect(desk.callsTo('sign_out')).toEqual([{}]);
    expect(screen.queryByTestId('status-staff')).toBeNull();
  });
});

describe('forgot the administrator password', () => {
  const NEXT = 'ABCDE-FGH23-JKLMN-P4567';

  async function openRecovery(): Promise<void> {
    await fireEvent.click(await screen.findByRole('button', { name: 'Forgot the administrator password?' }));
    await screen.findByTestId('recovery-form');
  }

  async function fill(adminId: string, code: string, password: string, confirm = password): Promise<void> {
    await fireEvent.input(screen.getByLabelText("Administrator's user ID"), { target: { value: adminId } });
    await fireEvent.input(screen.getByLabelText('Recovery code'), { target: { value: code } });
    await fireEvent.input(screen.getByLabelText('New password'), { target: { value: password } });
    await fireEvent.input(screen.getByLabelText('Type the new password again'), { target: { value: confirm } });
  }

  it('sets a new password with the recovery code, shows the next code once, then signs in', async () => {
    const desk = signedOut({ recovery_use: () => NEXT, sign_in: () => makeAdminSession({ userId: 'meera' }) });
    await openRecovery();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('recovery-admin-id')));
    await fill('meera', RECOVERY_CODE, 'a new passphrase');
    await fireEvent.click(screen.getByTestId('recovery-submit'));

    expect((await screen.findByTestId('recovery-code')).textContent).toBe(NEXT);
    expect(text('recovery-code-lead')).toContain('the recovery code you typed is used up');
    expect(text('recovery-code-words')).toContain('It is shown only now.');
    expect(desk.callsTo('recovery_use')).toEqual([{ adminId: 'meera', code: RECOVERY_CODE, newPassword: 'a new passphrase' }]);

    await fireEvent.click(screen.getByTestId('recovery-code-done'));
    await screen.findByTestId('signin-form');
    expect(document.body.textContent).not.toContain(NEXT);
    expect((screen.getByTestId('signin-user-id') as HTMLInputElement).value).toBe('meera');
    expect(text('signin-message')).toBe('The new password is set. Sign in with it.');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('signin-password')));
  });

  it('checks the new password twice before calling Rust', async () => {
    const desk = signedOut({ recovery_use: () => NEXT });
    await openRecovery();
    await fill('meera', RECOVERY_CODE, 'a new passphrase', 'a new passphrasE');
    await fireEvent.click(screen.getByTestId('recovery-submit'));
    expect(text('recovery-message')).toBe("The two passwords don't match. Type the same password twice.");
    await fill('meera', RECOVERY_CODE, 'short');
    await fireEvent.click(screen.getByTestId('recovery-submit'));
    expect(text('recovery-message')).toBe('Use a password of at least 8 characters.');
    expect(document.activeElement).toBe(screen.getByTestId('recovery-password'));
    expect(desk.callsTo('recovery_use')).toEqual([]);
  });

  it('shows a refused code in Rust’s words and clears the passwords; "Back to sign-in" returns', async () => {
    const wrong = 'That recovery code is not right. Check it and try again.';
    signedOut({
      recovery_use: () => {
        throw { code: 'sign_in_failed', message: wrong };
      },
    });
    await openRecovery();
    await fill('meera', 'AAAAA-BBBBB-CCCCC-DDDDD', 'a new passphrase');
    await fireEvent.click(screen.getByTestId('recovery-submit'));
    await waitFor(() => expect(text('recovery-message')).toBe(wrong));
    expect((screen.getByTestId('recovery-password') as HTMLInputElement).value).toBe('');
    expect((screen.getByTestId('recovery-password-confirm') as HTMLInputElement).value).toBe('');
    expect(screen.queryByTestId('recovery-code')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Back to sign-in' }));
    expect(await screen.findByTestId('signin-form')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('signin-forgot')));
  });
});

describe('the idle lock', () => {
  it('locks after the idle time without activity, signs out, and says why', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const desk = mockDesk({ setup_status: () => makeSetup({ idleLockMinutes: 5 }), settings_get: () => ({ clinic_name: 'X', idle_lock_minutes: 5 }) });
    render(App);
    const search = await screen.findByTestId('search-input');

    // Activity keeps the desk open…
    vi.advanceTimersByTime(4 * 60_000);
    await fireEvent.keyDown(search, { key: 'a' });
    vi.advanceTimersByTime(4 * 60_000);
    await fireEvent.pointerDown(search);
    vi.advanceTimersByTime(4 * 60_000);
    expect(screen.queryByTestId('signin-form')).toBeNull();

    // …five quiet minutes lock it.
    vi.advanceTimersByTime(60_000);
    expect(await screen.findByTestId('signin-form')).toBeTruthy();
    expect(text('signin-message')).toBe('The desk locked itself after 5 minutes without use. Sign in again.');
    expect((screen.getByTestId('signin-user-id') as HTMLInputElement).value).toBe('latha.k');
    await waitFor(() => expect(desk.callsTo('sign_out')).toHaveLength(1));
    expect(screen.queryByTestId('search-input')).toBeNull();
  });

  it('uses the clinic’s idle time', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    mockDesk({ setup_status: () => makeSetup({ idleLockMinutes: 2 }), settings_get: () => ({ clinic_name: 'X', idle_lock_minutes: 2 }) });
    render(App);
    await screen.findByTestId('search-input');
    await waitFor(() => expect(screen.getByTestId('clinic-name').textContent).toBe('X'));
    vi.advanceTimersByTime(2 * 60_000);
    expect(await screen.findByTestId('signin-form')).toBeTruthy();
    expect(text('signin-message')).toBe('The desk locked itself after 2 minutes without use. Sign in again.');
  });
});

describe('a command that finds the session over', () => {
  it('session_locked from any command drops to sign-in with Rust’s message; signing in returns to search', async () => {
    const locked = 'The desk locked itself because it wasn\u2019t used for a while. Sign in again.';
    let lockedNow = true;
    mockDesk({
      people_search: () => {
        if (lockedNow) throw { code: 'session_locked', message: locked };
        return [];
      },
      sign_in: () => {
        lockedNow = false;
        return makeSession();
      },
    });
    render(App);
    const search = await screen.findByTestId('search-input');
    await fireEvent.input(search, { target: { value: 'priya' } });

    expect(await screen.findByTestId('signin-form')).toBeTruthy();
    expect(text('signin-message')).toBe(locked);
    expect(screen.queryByTestId('search-input')).toBeNull();

    await fireEvent.input(screen.getByTestId('signin-password'), { target: { value: 'correct horse' } });
    await fireEvent.submit(screen.getByTestId('signin-form'));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('search-input')));
  });

  it('sign_in_required from an admin screen does the same', async () => {
    mockDesk({
      session_current: () => makeAdminSession(),
      staff_list: () => {
        throw { code: 'sign_in_required', message: 'Sign in to use the desk.' };
      },
      settings_get: () => ({ clinic_name: 'X' }),
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('nav-admin'));
    await fireEvent.click(screen.getByTestId('admin-staff'));
    expect(await screen.findByTestId('signin-form')).toBeTruthy();
    expect(text('signin-message')).toBe('Sign in to use the desk.');
  });
});

describe('roles', () => {
  it('reception sees no Admin entry at all', async () => {
    mockDesk();
    render(App);
    await screen.findByTestId('search-input');
    await waitFor(() => expect(text('status-staff')).toBe('Signed in: Latha K (reception)'));
    expect(screen.queryByTestId('nav-admin')).toBeNull();
    expect(screen.queryByText('Admin')).toBeNull();
  });

  it('an administrator switches between Desk and Admin', async () => {
    mockDesk({ session_current: () => makeAdminSession() });
    render(App);
    await screen.findByTestId('search-input');
    expect(screen.getByTestId('nav-desk').getAttribute('aria-current')).toBe('page');
    await fireEvent.click(screen.getByTestId('nav-admin'));
    expect(screen.getByTestId('nav-admin').getAttribute('aria-current')).toBe('page');
    for (const id of ['admin-settings', 'admin-credentials', 'admin-templates', 'admin-staff', 'admin-sync', 'admin-audit', 'admin-outbox']) {
      expect(screen.getByTestId(id)).toBeTruthy();
    }
    expect(screen.queryByTestId('search-input')).toBeNull();
    await fireEvent.click(screen.getByTestId('nav-desk'));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('search-input')));
  });
});

describe('clinic sync in the window', () => {
  it('an administrator opens Clinic sync; the status bar carries the sync line', async () => {
    const synced = makeSyncView({ configured: true, summary: 'Synced with the clinic at 10:30' });
    const desk = mockDesk({
      session_current: () => makeAdminSession(),
      sync_status: () => synced,
      sync_setup_get: () => makeSyncSetup(),
      sync_role_map_get: () => [],
      sync_unreadable: () => [],
      sync_conflicts: () => [],
      sync_walkins: () => [],
    });
    render(App);
    await waitFor(() => expect(text('status-sync')).toBe('Synced with the clinic at 10:30'));
    await fireEvent.click(screen.getByTestId('nav-admin'));
    await fireEvent.click(screen.getByTestId('admin-sync'));
    expect(screen.getByTestId('admin-sync').getAttribute('aria-current')).toBe('page');
    expect(await screen.findByTestId('admin-section-sync')).toBeTruthy();
    await waitFor(() => expect((screen.getByTestId('sync-host') as HTMLInputElement).value).toBe('db.skinspire.local'));
    expect(text('sync-summary')).toBe('Synced with the clinic at 10:30');
    expect(desk.callsTo('sync_setup_get')).toHaveLength(1);
  });
});

describe('the empty desk', () => {
  it('offers sample data to an administrator, then re-reads the count', async () => {
    let count = 0;
    const desk = mockDesk({
      session_current: () => makeAdminSession(),
      setup_status: () => makeSetup({ peopleCount: count }),
      sample_data_load: () => {
        count = 40;
        return 40;
      },
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('load-sample-data'));
    expect((await screen.findByTestId('sample-message')).textContent).toContain('Added 40 sample people.');
    await waitFor(() => expect(desk.callsTo('setup_status').length).toBeGreaterThanOrEqual(3));
    expect(screen.queryByTestId('empty-state')).toBeNull();
  });

  it('tells reception to add a walk-in (sample data is for administrators)', async () => {
    mockDesk({ setup_status: () => makeSetup({ peopleCount: 0 }) });
    render(App);
    expect((await screen.findByTestId('empty-state')).textContent).toContain('No people on this desk yet. Add a walk-in.');
    expect(screen.queryByTestId('load-sample-data')).toBeNull();
  });

  it('shows no empty state on a desk with people', async () => {
    mockDesk({ setup_status: () => makeSetup({ peopleCount: 12 }) });
    render(App);
    await screen.findByTestId('search-input');
    expect(screen.queryByTestId('empty-state')).toBeNull();
  });
});
