import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContactConflict, RoleMapping, SyncSetup, SyncView, WalkIn } from '../lib/api';
import { makeSyncSetup, makeSyncView } from '../test/fixtures';
import { deferred, mockDesk, type Handler } from '../test/fakeDesk';
import AdminSync from './AdminSync.svelte';

afterEach(() => {
  clearMocks();
});

const PASSWORD = 'Cl1nic-desk-pw';
const SYNCED: SyncView = makeSyncView({
  configured: true,
  lastOkAt: '2026-11-24T05:00:00.000Z',
  eventsWaiting: 3,
  clinicPeople: 1200,
  summary: 'Synced with the clinic at 10:30; 3 events waiting',
});
const REPORT = { pushed: 12, pulled: 4, added: 3, changed: 1, deactivated: 0, unreadable: 0, full: false };

function setup(overrides: Record<string, Handler> = {}) {
  let saved: SyncSetup = makeSyncSetup();
  let map: RoleMapping[] = [
    { clinicRole: 'Doctor', deskRole: 'admin' },
    { clinicRole: 'Front desk', deskRole: 'reception' },
  ];
  const desk = mockDesk({
    sync_setup_get: () => saved,
    sync_status: () => SYNCED,
    sync_role_map_get: () => map,
    sync_unreadable: () => [],
    sync_conflicts: () => [],
    sync_walkins: () => [],
    sync_setup_save: (a) => {
      const { password: _secret, ...input } = a.input as SyncSetup & { password?: string };
      saved = { ...saved, ...input, passwordSaved: true };
      return saved;
    },
    sync_role_map_save: (a) => {
      map = a.map as RoleMapping[];
      return map;
    },
    ...overrides,
  });
  render(AdminSync);
  return desk;
}

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();
const value = (id: string) => (screen.getByTestId(id) as HTMLInputElement).value;
/** The result line's box: role=status for a result, role=alert for a problem. */
const messageRole = () => screen.getByTestId('sync-message').closest('p')?.getAttribute('role');

describe('AdminSync: the connection form', () => {
  it('loads the saved setup, never a password, and says one is saved', async () => {
    setup();
    expect(await screen.findByTestId('sync-host')).toBeTruthy();
    expect(value('sync-host')).toBe('db.skinspire.local');
    expect(value('sync-port')).toBe('5432');
    expect(value('sync-database')).toBe('skinspire');
    expect(value('sync-role')).toBe('desk_jayanagar');
    expect(value('sync-ca-file')).toBe('/etc/skinspire/clinic-ca.pem');
    expect(value('sync-interval')).toBe('5');
    const password = screen.getByLabelText('Password') as HTMLInputElement;
    expect(password.type).toBe('password');
    expect(password.value).toBe('');
    expect(text('sync-password-saved')).toContain('A password is saved in the keyring');
    expect(screen.getByText(/This desk's device id:/).textContent).toContain('01JD8Z3K4M5N6P7Q8R9S0T1V2W');
  });

  it('a new desk: port 5432 by default, no "saved" line', async () => {
    setup({ sync_setup_get: () => makeSyncSetup({ host: '', database: '', role: '', caFile: '', passwordSaved: false }) });
    expect(value(await findId('sync-port'))).toBe('5432');
    expect(screen.queryByTestId('sync-password-saved')).toBeNull();
  });

  it('saves without a password (password: null keeps the saved one), then with one, and clears the box', async () => {
    const desk = setup();
    await fireEvent.input(await screen.findByTestId('sync-interval'), { target: { value: '10' } });
    await fireEvent.click(screen.getByTestId('sync-save'));
    await waitFor(() => expect(text('sync-message')).toBe('Sync settings saved.'));
    expect(messageRole()).toBe('status');
    const first = desk.callsTo('sync_setup_save')[0]?.input as Record<string, unknown>;
    expect(first).toEqual({
      host: 'db.skinspire.local',
      port: 5432,
      database: 'skinspire',
      role: 'desk_jayanagar',
      caFile: '/etc/skinspire/clinic-ca.pem',
      intervalMinutes: 10,
      password: null,
    });

    await fireEvent.input(screen.getByTestId('sync-password'), { target: { value: PASSWORD } });
    await fireEvent.click(screen.getByTestId('sync-save'));
    await waitFor(() => expect(text('sync-message')).toBe('Sync settings saved. The password is in the system keyring.'));
    expect(desk.callsTo('sync_setup_save')[1]).toEqual({ input: { ...first, password: PASSWORD } });
    expect(value('sync-password')).toBe('');
    expect(value('sync-interval')).toBe('10');
    expect(document.body.innerHTML).not.toContain(PASSWORD);
  });

  it('shows a refused save in words (new server, password not typed again) and keeps nothing typed', async () => {
    const refusal =
      "The clinic server, database or role changed: type the desk role's password again (it only goes where it was given for).";
    const desk = setup({
      sync_setup_save: () => {
        throw { code: 'invalid_input', message: refusal };
      },
    });
    await fireEvent.input(await screen.findByTestId('sync-host'), { target: { value: 'db2.skinspire.local' } });
    // The form already says the password is needed again.
    expect(text('sync-password-again')).toContain('Type the password again');
    await fireEvent.click(screen.getByTestId('sync-save'));
    await waitFor(() => expect(text('sync-message')).toBe(refusal));
    expect(messageRole()).toBe('alert');
    expect(desk.callsTo('sync_setup_save')).toHaveLength(1);
    expect(value('sync-password')).toBe('');
  });

  it('refuses an interval out of range without calling Rust, and moves to the field', async () => {
    const desk = setup();
    await fireEvent.input(await screen.findByTestId('sync-interval'), { target: { value: '90' } });
    await fireEvent.click(screen.getByTestId('sync-save'));
    await waitFor(() => expect(text('sync-message')).toContain('from 1 to 60'));
    expect(screen.getByTestId('sync-interval').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('sync-interval'));
    expect(desk.callsTo('sync_setup_save')).toEqual([]);
  });

  it('tests the connection with the form, shows progress, then the sentence Rust answers', async () => {
    const answer = deferred<unknown>();
    const desk = setup({ sync_test: () => answer.promise });
    await fireEvent.input(await screen.findByTestId('sync-password'), { target: { value: PASSWORD } });
    await fireEvent.click(screen.getByTestId('sync-test'));
    expect((await screen.findByText('Testing the connection…', {}, { timeout: 2000 })).textContent).toContain('Testing');
    expect(screen.getByTestId('sync-test').getAttribute('aria-busy')).toBe('true');
    answer.resolve('Connected to skinspire on db.skinspire.local as desk_jayanagar; TLS checked against the clinic CA.');
    await waitFor(() =>
      expect(text('sync-message')).toBe('Connected to skinspire on db.skinspire.local as desk_jayanagar; TLS checked against the clinic CA.'),
    );
    expect(messageRole()).toBe('status');
    expect(desk.callsTo('sync_test')).toEqual([
      {
        input: {
          host: 'db.skinspire.local',
          port: 5432,
          database: 'skinspire',
          role: 'desk_jayanagar',
          caFile: '/etc/skinspire/clinic-ca.pem',
          intervalMinutes: 5,
          password: PASSWORD,
        },
      },
    ]);
    // A test saves nothing.
    expect(desk.callsTo('sync_setup_save')).toEqual([]);
  });

  it('shows a failed test as a problem, in the words Rust gives', async () => {
    setup({
      sync_test: () => {
        throw { code: 'sync_failed', message: "The clinic server's certificate was refused: it isn't signed by the CA file given." };
      },
    });
    await fireEvent.click(await screen.findByTestId('sync-test'));
    await waitFor(() =>
      expect(text('sync-message')).toBe("The clinic server's certificate was refused: it isn't signed by the CA file given."),
    );
    expect(messageRole()).toBe('alert');
  });
});

describe('AdminSync: the state and "Sync now"', () => {
  it('shows the status line, last sync, events waiting and clinic people', async () => {
    setup();
    await waitFor(() => expect(text('sync-summary')).toBe('Synced with the clinic at 10:30; 3 events waiting'));
    expect(text('sync-waiting')).toBe('3 events');
    expect(text('sync-clinic-people')).toBe('1,200 people');
    expect(text('sync-last-ok')).toMatch(/^2[34] Nov 2026, \d\d:\d\d$/);
    expect(screen.queryByTestId('sync-fork')).toBeNull();
    expect(screen.queryByTestId('sync-progress')).toBeNull();
  });

  it('shows progress from the polled status while it runs, then what the round did', async () => {
    let status: SyncView = SYNCED;
    const round = deferred<unknown>();
    const desk = setup({
      sync_status: () => status,
      sync_now: () => {
        status = { ...SYNCED, running: true, progress: { done: 1200, total: 100000 }, summary: 'Syncing with the clinic: 1200 of 100000 people' };
        return round.promise;
      },
    });
    await waitFor(() => expect(text('sync-summary')).toContain('Synced with the clinic at 10:30'));
    const before = desk.callsTo('sync_status').length;
    await fireEvent.click(screen.getByTestId('sync-now'));

    // Before any status answers: an indeterminate bar.
    expect(screen.getByTestId('sync-progress').querySelector('progress')?.hasAttribute('value')).toBe(false);
    expect(text('sync-progress-words')).toBe('Syncing…');
    expect((screen.getByTestId('sync-now') as HTMLButtonElement).disabled).toBe(true);

    // The poll brings the pull's progress.
    await waitFor(() => expect(text('sync-progress-words')).toBe("Fetching the clinic's people: 1,200 of 1,00,000"), { timeout: 2000 });
    const bar = screen.getByTestId('sync-progress').querySelector('progress') as HTMLProgressElement;
    expect(bar.value).toBe(1200);
    expect(bar.max).toBe(100000);
    expect(desk.callsTo('sync_status').length).toBeGreaterThan(before);

    status = { ...status, progress: { done: 99000, total: 100000 } };
    await waitFor(() => expect(text('sync-progress-words')).toBe("Fetching the clinic's people: 99,000 of 1,00,000"), { timeout: 2000 });

    status = { ...SYNCED, eventsWaiting: 0, clinicPeople: 100000, summary: 'Synced with the clinic at 10:35' };
    round.resolve({ ...REPORT, view: status });
    await waitFor(() => expect(text('sync-message')).toBe('Sent 12 events; 3 people added, 1 changed.'));
    expect(messageRole()).toBe('status');
    expect(screen.queryByTestId('sync-progress')).toBeNull();
    expect(text('sync-summary')).toBe('Synced with the clinic at 10:35');
    expect(text('sync-waiting')).toBe('None');
    expect((screen.getByTestId('sync-now') as HTMLButtonElement).disabled).toBe(false);

    // Polling stops with the round.
    const after = desk.callsTo('sync_status').length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(desk.callsTo('sync_status').length).toBe(after);
  });

  it('names deactivated and unreadable rows in the summary, and re-reads the unreadable list', async () => {
    let rows: unknown[] = [];
    const desk = setup({
      sync_unreadable: () => rows,
      sync_now: () => {
        rows = [{ userId: 'P-17', problems: ['email has no @'], raw: '{}', lastSeenAt: '2026-11-24T06:00:00.000Z' }];
        return { ...REPORT, deactivated: 2, unreadable: 1, view: SYNCED };
      },
    });
    expect(await screen.findByTestId('sync-unreadable-none')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('sync-now'));
    await waitFor(() =>
      expect(text('sync-message')).toBe(
        "Sent 12 events; 3 people added, 1 changed, 2 deactivated. 1 clinic row couldn't be read: see “Rows the desk couldn't read” below.",
      ),
    );
    await waitFor(() => expect(screen.getAllByTestId('sync-unreadable-row')).toHaveLength(1));
    expect(desk.callsTo('sync_unreadable')).toHaveLength(2);
  });

  it('shows why a round failed, and the status as it now stands', async () => {
    let status: SyncView = SYNCED;
    setup({
      sync_status: () => status,
      sync_now: () => {
        status = { ...SYNCED, lastError: "The clinic server can't be reached.", summary: 'Clinic server unreachable since 10:42; 3 events waiting' };
        throw { code: 'sync_failed', message: "The clinic server can't be reached. The events wait here and go when it is back." };
      },
    });
    await fireEvent.click(await screen.findByTestId('sync-now'));
    await waitFor(() => expect(text('sync-message')).toBe("The clinic server can't be reached. The events wait here and go when it is back."));
    expect(messageRole()).toBe('alert');
    await waitFor(() => expect(text('sync-summary')).toBe('Clinic server unreachable since 10:42; 3 events waiting'));
    expect(screen.getByTestId('sync-summary').closest('.msg')?.classList.contains('warning')).toBe(true);
  });

  it('says so when sync is not set up', async () => {
    setup({ sync_status: () => makeSyncView() });
    await waitFor(() => expect(text('sync-summary')).toContain("Sync with the clinic isn't set up yet."));
  });
});

describe('AdminSync: a desk restored from a backup', () => {
  const FORKED = makeSyncView({
    configured: true,
    forkedAtSeq: 42,
    eventsWaiting: 5,
    summary: "Sync stopped: this desk's history differs from the clinic's from event 42 (restored from a backup?).",
  });

  it('explains the fork and starts a new device only after a second, explicit click', async () => {
    const desk = setup({ sync_status: () => FORKED, sync_new_device: () => '01JD9NEWDEVICE0000000000000' });
    const fork = await screen.findByTestId('sync-fork');
    expect(fork.textContent).toContain(
      "This desk's history no longer matches what the clinic holds from it (from event 42): it was probably restored from a backup. Nothing was overwritten.",
    );
    await fireEvent.click(screen.getByTestId('sync-new-device'));
    expect(desk.callsTo('sync_new_device')).toEqual([]);
    const confirm = screen.getByTestId('sync-new-device-confirm');
    expect(confirm.textContent).toContain('Yes, start as a new device');
    expect(document.activeElement).toBe(confirm);

    // "Not now" goes back without doing anything.
    await fireEvent.click(screen.getByText('Not now'));
    expect(screen.queryByTestId('sync-new-device-confirm')).toBeNull();
    expect(desk.callsTo('sync_new_device')).toEqual([]);

    await fireEvent.click(screen.getByTestId('sync-new-device'));
    await fireEvent.click(screen.getByTestId('sync-new-device-confirm'));
    await waitFor(() => expect(text('sync-new-device-done')).toBe('The desk restarts as a new device.'));
    expect(desk.callsTo('sync_new_device')).toEqual([{}]);
    expect(screen.queryByTestId('sync-new-device')).toBeNull();
  });

  it('shows a refusal to start a new device in words', async () => {
    setup({
      sync_status: () => FORKED,
      sync_new_device: () => {
        throw { code: 'keyring_unavailable', message: 'The keyring is locked. Unlock it and try again.' };
      },
    });
    await fireEvent.click(await screen.findByTestId('sync-new-device'));
    await fireEvent.click(screen.getByTestId('sync-new-device-confirm'));
    await waitFor(() => expect(text('sync-new-device-error')).toBe('The keyring is locked. Unlock it and try again.'));
    expect(screen.queryByTestId('sync-new-device-done')).toBeNull();
  });
});

describe('AdminSync: clinic roles', () => {
  const rows = () => screen.getAllByTestId('sync-role-map-row');

  it('edits, removes and adds rows, then saves the map as edited', async () => {
    const desk = setup();
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(screen.getByTestId('sync-roles').textContent).toContain('Clinic staff with none of these roles have no account at this desk.');
    expect(value('sync-role-map-name-0')).toBe('Doctor');
    expect(value('sync-role-map-desk-0')).toBe('admin');

    // Front desk becomes Desk admin; Doctor goes; Nurse comes in as Reception.
    await fireEvent.change(screen.getByTestId('sync-role-map-desk-1'), { target: { value: 'admin' } });
    await fireEvent.click(screen.getByTestId('sync-role-map-remove-0'));
    expect(rows()).toHaveLength(1);
    await fireEvent.click(screen.getByTestId('sync-role-map-add'));
    expect(rows()).toHaveLength(2);
    expect(document.activeElement).toBe(screen.getByTestId('sync-role-map-name-1'));
    await fireEvent.input(screen.getByTestId('sync-role-map-name-1'), { target: { value: ' Nurse ' } });
    expect(value('sync-role-map-desk-1')).toBe('reception');

    await fireEvent.click(screen.getByTestId('sync-role-map-save'));
    await waitFor(() => expect(text('sync-role-map-message')).toContain('Clinic roles saved (2 roles)'));
    expect(desk.callsTo('sync_role_map_save')).toEqual([
      {
        map: [
          { clinicRole: 'Front desk', deskRole: 'admin' },
          { clinicRole: 'Nurse', deskRole: 'reception' },
        ],
      },
    ]);
    expect(value('sync-role-map-name-1')).toBe('Nurse');
  });

  it('refuses an empty or repeated name without calling Rust', async () => {
    const desk = setup();
    await waitFor(() => expect(rows()).toHaveLength(2));
    await fireEvent.click(screen.getByTestId('sync-role-map-add'));
    await fireEvent.click(screen.getByTestId('sync-role-map-save'));
    expect(text('sync-role-map-message')).toContain('Type a name for each clinic role');
    await fireEvent.input(screen.getByTestId('sync-role-map-name-2'), { target: { value: 'doctor' } });
    await fireEvent.click(screen.getByTestId('sync-role-map-save'));
    expect(text('sync-role-map-message')).toBe('“doctor” is listed twice. Keep one row for it.');
    expect(desk.callsTo('sync_role_map_save')).toEqual([]);
  });

  it('can save an empty map, and says what that means', async () => {
    const desk = setup({ sync_role_map_get: () => [] });
    expect(await screen.findByTestId('sync-role-map-none')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('sync-role-map-save'));
    await waitFor(() => expect(text('sync-role-map-message')).toContain('nobody from the clinic gets an account'));
    expect(desk.callsTo('sync_role_map_save')).toEqual([{ map: [] }]);
  });
});

describe("AdminSync: rows the desk couldn't read", () => {
  it('lists each row with its problems and when it was last seen', async () => {
    setup({
      sync_unreadable: () => [
        {
          userId: 'P-17',
          problems: ['phone "98450" has too few digits', 'email has no @'],
          raw: '{"phone":"98450"}',
          lastSeenAt: '2026-11-24T06:00:00.000Z',
        },
        { userId: 'P-230', problems: ['date of birth "31/02/1990" is not a date'], raw: '{}', lastSeenAt: '2026-11-24T06:00:00.000Z' },
      ],
    });
    await waitFor(() => expect(screen.getAllByTestId('sync-unreadable-row')).toHaveLength(2));
    const [first, second] = screen.getAllByTestId('sync-unreadable-row');
    expect(first!.textContent).toContain('P-17');
    expect(first!.textContent).toContain('phone "98450" has too few digits; email has no @.');
    expect(first!.textContent).toMatch(/Last seen 2[34] Nov 2026, \d\d:\d\d/);
    expect(second!.textContent).toContain('date of birth "31/02/1990" is not a date.');
    expect(screen.getByTestId('sync-unreadable-section').textContent).toContain(
      "These people's records in the clinic system have something the desk can't read. Correct them in the clinic system; the next sync takes the correction.",
    );
    // The raw row stays out of sight.
    expect(document.body.innerHTML).not.toContain('{"phone"');
    expect(screen.queryByTestId('sync-unreadable-none')).toBeNull();
  });

  it('says every row read cleanly when there are none', async () => {
    setup();
    expect((await screen.findByTestId('sync-unreadable-none')).textContent).toBe('Every clinic row read cleanly.');
    expect(screen.queryByTestId('sync-unreadable')).toBeNull();
  });
});

const PHONE_CONFLICT: ContactConflict = {
  eventId: '01JDCONFLICTPHONE000000000',
  userId: 'P-1042',
  displayName: 'Priya Raman',
  channel: 'phone',
  deskValue: '+919876500001',
  clinicValue: '+919876500002',
  deskName: 'Front desk',
  madeAt: '2026-11-24T05:02:00.000Z',
};
const EMAIL_CONFLICT: ContactConflict = {
  eventId: '01JDCONFLICTEMAIL000000000',
  userId: 'P-230',
  displayName: 'Arun Kumar',
  channel: 'email',
  deskValue: null,
  clinicValue: 'arun.k@gmail.com',
  deskName: 'Second floor',
  madeAt: '2026-11-24T06:15:00.000Z',
};

describe('AdminSync: contacts to settle', () => {
  /** A desk whose open conflicts go as the resolve command says. */
  function withConflicts(first: ContactConflict[] = [PHONE_CONFLICT, EMAIL_CONFLICT], overrides: Record<string, Handler> = {}) {
    let open = [...first];
    return setup({
      sync_conflicts: () => open,
      sync_conflict_resolve: (a) => {
        open = open.filter((c) => c.eventId !== a.eventId);
        return open;
      },
      ...overrides,
    });
  }

  it('lists each conflict: who, which contact, what the desk typed and what the clinic has now', async () => {
    withConflicts();
    const row = await screen.findByTestId(`sync-conflict-${PHONE_CONFLICT.eventId}`);
    expect(row.textContent).toContain('Priya Raman');
    expect(text(`sync-conflict-channel-${PHONE_CONFLICT.eventId}`)).toBe('Mobile number');
    expect(text(`sync-conflict-desk-${PHONE_CONFLICT.eventId}`)).toMatch(/^Typed at Front desk on 2[34] Nov 2026, \d\d:\d\d: \+919876500001$/);
    expect(text(`sync-conflict-clinic-${PHONE_CONFLICT.eventId}`)).toBe('In the clinic system now: +919876500002');
    // No address typed at the desk reads as "none".
    expect(text(`sync-conflict-channel-${EMAIL_CONFLICT.eventId}`)).toBe('Email');
    expect(text(`sync-conflict-desk-${EMAIL_CONFLICT.eventId}`)).toMatch(/^Typed at Second floor on 2[34] Nov 2026, \d\d:\d\d: none$/);
    expect(text(`sync-conflict-clinic-${EMAIL_CONFLICT.eventId}`)).toBe('In the clinic system now: arun.k@gmail.com');
    expect(text(`sync-conflict-keep-desk-${PHONE_CONFLICT.eventId}`)).toContain("Keep the desk's");
    expect(text(`sync-conflict-keep-clinic-${PHONE_CONFLICT.eventId}`)).toContain("Keep the clinic's");
    expect(screen.queryByTestId('sync-conflicts-none')).toBeNull();
  });

  it("“Keep the desk's” sends the choice, shows the rest, says what happens, and moves on to the next", async () => {
    const desk = withConflicts();
    await fireEvent.click(await screen.findByTestId(`sync-conflict-keep-desk-${PHONE_CONFLICT.eventId}`));
    await waitFor(() => expect(text('sync-conflict-message')).toBe("Saved: the desk's number goes to the clinic at the next sync."));
    expect(desk.callsTo('sync_conflict_resolve')).toEqual([{ eventId: PHONE_CONFLICT.eventId, keep: 'desk' }]);
    expect(screen.queryByTestId(`sync-conflict-${PHONE_CONFLICT.eventId}`)).toBeNull();
    expect(screen.getByTestId(`sync-conflict-${EMAIL_CONFLICT.eventId}`)).toBeTruthy();
    expect(screen.getByTestId('sync-conflict-message').closest('p')?.getAttribute('role')).toBe('status');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId(`sync-conflict-keep-desk-${EMAIL_CONFLICT.eventId}`)));
  });

  it("“Keep the clinic's” sends the choice; the last one settled leaves the quiet line", async () => {
    const desk = withConflicts([EMAIL_CONFLICT]);
    await fireEvent.click(await screen.findByTestId(`sync-conflict-keep-clinic-${EMAIL_CONFLICT.eventId}`));
    await waitFor(() => expect(text('sync-conflict-message')).toBe("Saved: this desk now has the clinic's email address."));
    expect(desk.callsTo('sync_conflict_resolve')).toEqual([{ eventId: EMAIL_CONFLICT.eventId, keep: 'clinic' }]);
    expect(text('sync-conflicts-none')).toBe('No contacts to settle.');
    expect(screen.queryByTestId('sync-conflicts')).toBeNull();
    // Nothing left to settle: the keyboard lands on the section's heading, not on the page.
    await waitFor(() => expect(document.activeElement?.id).toBe('sync-conflicts-heading'));
  });

  it('shows the saving in progress on the button chosen, and holds every other choice meanwhile', async () => {
    const answer = deferred<unknown>();
    withConflicts(undefined, { sync_conflict_resolve: () => answer.promise });
    await fireEvent.click(await screen.findByTestId(`sync-conflict-keep-clinic-${PHONE_CONFLICT.eventId}`));
    const chosen = screen.getByTestId(`sync-conflict-keep-clinic-${PHONE_CONFLICT.eventId}`);
    expect(chosen.getAttribute('aria-busy')).toBe('true');
    await waitFor(() => expect(chosen.textContent).toContain('Saving…'), { timeout: 2000 });
    for (const id of [`sync-conflict-keep-desk-${PHONE_CONFLICT.eventId}`, `sync-conflict-keep-desk-${EMAIL_CONFLICT.eventId}`]) {
      expect((screen.getByTestId(id) as HTMLButtonElement).disabled).toBe(true);
    }
    answer.resolve([EMAIL_CONFLICT]);
    await waitFor(() => expect(text('sync-conflict-message')).toBe("Saved: this desk now has the clinic's number."));
    expect((screen.getByTestId(`sync-conflict-keep-desk-${EMAIL_CONFLICT.eventId}`) as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows a refusal in words and reads the list again', async () => {
    const refusal = 'That conflict is settled already (another desk may have settled it).';
    let open = [PHONE_CONFLICT, EMAIL_CONFLICT];
    const desk = setup({
      sync_conflicts: () => open,
      sync_conflict_resolve: () => {
        open = [EMAIL_CONFLICT];
        throw { code: 'invalid_input', message: refusal };
      },
    });
    await fireEvent.click(await screen.findByTestId(`sync-conflict-keep-desk-${PHONE_CONFLICT.eventId}`));
    await waitFor(() => expect(text('sync-conflict-message')).toBe(refusal));
    expect(screen.getByTestId('sync-conflict-message').closest('p')?.getAttribute('role')).toBe('alert');
    await waitFor(() => expect(screen.queryByTestId(`sync-conflict-${PHONE_CONFLICT.eventId}`)).toBeNull());
    expect(desk.callsTo('sync_conflicts')).toHaveLength(2);
  });

  it('says when a list could not be read', async () => {
    setup({
      sync_conflicts: () => {
        throw { code: 'sync_failed', message: 'The contacts to settle could not be read. Try again.' };
      },
    });
    const section = await screen.findByTestId('sync-conflicts-section');
    await waitFor(() => expect(section.textContent).toContain('The contacts to settle could not be read. Try again.'));
  });

  it('reads both lists again after a round of "Sync now"', async () => {
    let open: ContactConflict[] = [];
    const desk = setup({
      sync_conflicts: () => open,
      sync_now: () => {
        open = [PHONE_CONFLICT];
        return { ...REPORT, view: SYNCED };
      },
    });
    expect(await screen.findByTestId('sync-conflicts-none')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('sync-now'));
    expect(await screen.findByTestId(`sync-conflict-${PHONE_CONFLICT.eventId}`)).toBeTruthy();
    expect(desk.callsTo('sync_conflicts')).toHaveLength(2);
    expect(desk.callsTo('sync_walkins')).toHaveLength(2);
  });

  it('shows neither list while sync is not set up', async () => {
    setup({ sync_status: () => makeSyncView(), sync_conflicts: () => [PHONE_CONFLICT] });
    await waitFor(() => expect(text('sync-summary')).toContain("Sync with the clinic isn't set up yet."));
    expect(screen.queryByTestId('sync-conflicts-section')).toBeNull();
    expect(screen.queryByTestId('sync-walkins-section')).toBeNull();
  });
});

describe("AdminSync: walk-ins not in the clinic's records", () => {
  const WALKINS: WalkIn[] = [
    {
      userId: 'W-01JD8Z3K4M',
      displayName: 'Priya R',
      phone: '+919876512345',
      email: null,
      createdAt: '2026-11-24T05:30:00.000Z',
      possibleMatch: { userId: 'P-1042', displayName: 'Priya Raman', phone: '+919876512345', email: null, reason: 'same_phone' },
    },
    { userId: 'W-01JD8Z9XYZ', displayName: 'Kiran Das', phone: '+919845012345', email: 'kiran.das@gmail.com', createdAt: '2026-11-24T06:00:00.000Z', possibleMatch: null },
    {
      userId: 'W-01JD8ZAAAA',
      displayName: 'Meena S',
      phone: null,
      email: 'meena@example.in',
      createdAt: '2026-11-24T06:10:00.000Z',
      possibleMatch: { userId: 'P-77', displayName: 'Meenakshi Sundaram', phone: null, email: 'meena@example.in', reason: 'same_email' },
    },
  ];

  it('lists each walk-in with its contacts, the count in the heading, and a possible clinic match to check', async () => {
    setup({ sync_walkins: () => WALKINS });
    const first = await screen.findByTestId('sync-walkin-W-01JD8Z3K4M');
    expect(text('sync-walkins-heading')).toBe("Walk-ins not in the clinic's records (3)");
    expect(first.textContent).toContain('Priya R');
    expect(first.textContent).toContain('Mobile number: +919876512345');
    expect(first.textContent).toContain('Email: none');
    expect(first.textContent).toMatch(/Added 2[34] Nov 2026, \d\d:\d\d/);
    expect(text('sync-walkin-match-W-01JD8Z3K4M')).toBe(
      'Same number as clinic record Priya Raman (P-1042): check with the clinic which is right.',
    );

    const second = screen.getByTestId('sync-walkin-W-01JD8Z9XYZ');
    expect(second.textContent).toContain('Kiran Das');
    expect(second.textContent).toContain('Mobile number: +919845012345');
    expect(second.textContent).toContain('Email: kiran.das@gmail.com');
    expect(screen.queryByTestId('sync-walkin-match-W-01JD8Z9XYZ')).toBeNull();

    expect(text('sync-walkin-match-W-01JD8ZAAAA')).toBe(
      'Same email as clinic record Meenakshi Sundaram (P-77): check with the clinic which is right.',
    );
    expect(screen.queryByTestId('sync-walkins-none')).toBeNull();
  });

  it('says so when every walk-in is in the clinic records', async () => {
    setup();
    expect(text(await findId('sync-walkins-none'))).toBe("Every walk-in is in the clinic's records.");
    expect(text('sync-walkins-heading')).toBe("Walk-ins not in the clinic's records (0)");
    expect(screen.queryByTestId('sync-walkins')).toBeNull();
  });
});

async function findId(id: string): Promise<string> {
  await screen.findByTestId(id);
  return id;
}
