import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackupInfo, Backups, RestoreReport } from '../lib/api';
import { deferred, mockDesk, type Handler } from '../test/fakeDesk';
import AdminArea from './AdminArea.svelte';
import AdminBackups from './AdminBackups.svelte';

afterEach(() => {
  clearMocks();
});

const FOLDER = '/home/desk/.local/share/skinspire-verify-desk/backups';

function backup(overrides: Partial<BackupInfo> = {}): BackupInfo {
  return {
    name: 'desk-20261124T050000Z-daily.sqlite3',
    madeAt: '2026-11-24T05:00:00Z',
    kind: 'daily',
    sizeBytes: 4_404_019,
    appVersion: '0.4.0',
    schemaVersion: 7,
    restorable: true,
    refusal: null,
    ...overrides,
  };
}

const DAILY = backup();
const MANUAL = backup({
  name: 'desk-20261123T113000Z-manual.sqlite3',
  madeAt: '2026-11-23T11:30:00Z',
  kind: 'manual',
  sizeBytes: 655_360,
});
const BEFORE = backup({
  name: 'desk-20261122T090000Z-before_restore.sqlite3',
  madeAt: '2026-11-22T09:00:00Z',
  kind: 'before_restore',
  sizeBytes: 130_323_424,
});
const NEWER_REFUSAL =
  'That backup was made by a newer version of Skinspire Verify Desk (0.5.0). Install that version or a later one to restore it. Nothing was changed.';
const NEWER = backup({
  name: 'desk-20261121T050000Z-daily.sqlite3',
  madeAt: '2026-11-21T05:00:00Z',
  appVersion: '0.5.0',
  schemaVersion: 9,
  restorable: false,
  refusal: NEWER_REFUSAL,
});

const LIST: Backups = { folder: FOLDER, kept: 14, backups: [DAILY, MANUAL, BEFORE, NEWER] };

const REPORT: RestoreReport = {
  backupName: DAILY.name,
  backupMadeAt: DAILY.madeAt,
  restoredAt: '2026-11-25T03:40:00Z',
  messagesCancelled: 3,
  newDevice: true,
  reenter: [
    { item: 'gmail', message: 'Type the Gmail app password again: the keyring had a newer one.' },
    { item: 'sync_password', message: "Type the clinic database's password again." },
    { item: 'pepper', message: 'Codes sent before the restore no longer work; send new ones.' },
  ],
};

function setup(overrides: Record<string, Handler> = {}, props: { onopen?: (place: 'credentials' | 'sync') => void } = {}) {
  const desk = mockDesk({
    backups_list: () => LIST,
    restore_report: () => null,
    ...overrides,
  });
  render(AdminBackups, { props });
  return desk;
}

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();

describe('AdminBackups: the list', () => {
  it('says where backups go and how many are kept, then lists them newest first', async () => {
    setup();
    const list = await screen.findByTestId('backups-list');
    expect(text('backups-folder')).toBe(`Backups go to ${FOLDER}`);
    expect(text('backups-kept')).toContain('keeps the newest 14 backups');
    expect(text('backups-kept')).toContain('under Settings');

    const rows = within(list).getAllByRole('row').filter((r) => r.dataset.testid?.startsWith('backup-row-'));
    expect(rows.map((r) => r.dataset.testid)).toEqual([
      `backup-row-${DAILY.name}`,
      `backup-row-${MANUAL.name}`,
      `backup-row-${BEFORE.name}`,
      `backup-row-${NEWER.name}`,
    ]);

    const daily = text(`backup-row-${DAILY.name}`);
    expect(daily).toMatch(/24 Nov 2026, \d\d:\d\d/);
    expect(daily).toContain(DAILY.name);
    expect(daily).toContain('Daily');
    expect(daily).toContain('4.2 MB');
    expect(daily).toContain('0.4.0 (database 7)');
    expect(text(`backup-row-${MANUAL.name}`)).toContain('Made by an admin');
    expect(text(`backup-row-${MANUAL.name}`)).toContain('640 KB');
    expect(text(`backup-row-${BEFORE.name}`)).toContain('Made before a restore');
    expect(text(`backup-row-${BEFORE.name}`)).toContain('124 MB');
    expect(screen.getByTestId(`backup-restore-${DAILY.name}`).textContent).toContain('Restore…');
    expect(screen.queryByTestId('backups-none')).toBeNull();
    expect(screen.queryByTestId('restore-report')).toBeNull();
  });

  it('a backup this desk can’t restore shows why, and no restore button', async () => {
    setup();
    await screen.findByTestId('backups-list');
    expect(text(`backup-refusal-${NEWER.name}`)).toBe(NEWER_REFUSAL);
    expect(screen.queryByTestId(`backup-restore-${NEWER.name}`)).toBeNull();
    expect(text(`backup-row-${NEWER.name}`)).toContain('0.5.0 (database 9)');
    // The others can be restored.
    expect(screen.queryByTestId(`backup-refusal-${DAILY.name}`)).toBeNull();
  });

  it('says so when there are no backups yet', async () => {
    setup({ backups_list: () => ({ folder: FOLDER, kept: 7, backups: [] }) });
    expect(await screen.findByTestId('backups-none')).toBeTruthy();
    expect(text('backups-none')).toContain('No backups yet');
    expect(screen.queryByTestId('backups-list')).toBeNull();
    expect(text('backups-kept')).toContain('keeps the newest 7 backups');
  });

  it('shows a list that can’t be read in plain words', async () => {
    setup({
      backups_list: () => {
        throw { code: 'backup_failed', message: "The backup couldn't be written in /backups. Check that the disk is not full." };
      },
    });
    expect(text(await findId('backups-load-error'))).toBe("The backup couldn't be written in /backups. Check that the disk is not full.");
  });
});

describe('AdminBackups: making one now', () => {
  it('shows progress while it runs, then names the file and reads the list again', async () => {
    const answer = deferred<unknown>();
    const made = backup({ name: 'desk-20261124T083000Z-manual.sqlite3', madeAt: '2026-11-24T08:30:00Z', kind: 'manual' });
    let list = LIST;
    const desk = setup({ backups_list: () => list, backup_now: () => answer.promise });
    await screen.findByTestId('backups-list');
    expect(desk.callsTo('backups_list')).toHaveLength(1);

    const button = screen.getByTestId('backup-now') as HTMLButtonElement;
    await fireEvent.click(button);
    expect(button.disabled).toBe(true);
    expect(button.getAttribute('aria-busy')).toBe('true');
    // Over ~300 ms: the progress line shows.
    expect(text(await findId('backup-progress', 2000))).toBe('Making a backup…');

    list = { ...LIST, backups: [made, ...LIST.backups] };
    answer.resolve(made);
    await waitFor(() => expect(text('backup-made')).toBe('Backup made: desk-20261124T083000Z-manual.sqlite3 (4.2 MB).'));
    expect(screen.queryByTestId('backup-progress')).toBeNull();
    expect(button.disabled).toBe(false);
    expect(desk.callsTo('backup_now')).toEqual([{}]);
    await screen.findByTestId(`backup-row-${made.name}`);
    expect(desk.callsTo('backups_list')).toHaveLength(2);
  });

  it('shows a failed backup in the words Rust gives', async () => {
    setup({
      backup_now: () => {
        throw { code: 'backup_failed', message: `The backup couldn't be written in ${FOLDER}. Check that the disk is not full, then try again. Nothing was changed.` };
      },
    });
    await fireEvent.click(await screen.findByTestId('backup-now'));
    expect(text(await findId('backup-error'))).toBe(`The backup couldn't be written in ${FOLDER}. Check that the disk is not full, then try again. Nothing was changed.`);
    expect(screen.getByTestId('backup-error').closest('p')?.getAttribute('role')).toBe('alert');
    expect(screen.queryByTestId('backup-made')).toBeNull();
    expect((screen.getByTestId('backup-now') as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('AdminBackups: restoring one', () => {
  it('asks in place, saying what a restore does; "no" calls nothing', async () => {
    const desk = setup();
    await fireEvent.click(await screen.findByTestId(`backup-restore-${MANUAL.name}`));
    const confirm = screen.getByTestId('backup-restore-confirm');
    const words = (confirm.textContent ?? '').replace(/\s+/g, ' ');
    expect(words).toMatch(/Restore the backup made 2[23] Nov 2026, \d\d:\d\d\?/);
    expect(words).toMatch(/goes back to how it was on 2[23] Nov 2026, \d\d:\d\d, when this backup was made/);
    expect(words).toContain('not kept here');
    expect(words).toContain('“Made before a restore”');
    expect(words).toContain('Messages still waiting to go in the backup are cancelled, so no old code is sent.');
    expect(words).toContain('The desk restarts, and everyone signs in again.');
    expect(words).toContain('new device');
    // The panel sits right under the row it is about, and the keyboard is on it.
    expect(screen.getByTestId(`backup-row-${MANUAL.name}`).nextElementSibling?.contains(confirm)).toBe(true);
    expect(document.activeElement?.id).toBe('backup-restore-heading');

    await fireEvent.click(screen.getByTestId('backup-restore-no'));
    expect(screen.queryByTestId('backup-restore-confirm')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId(`backup-restore-${MANUAL.name}`));
    expect(desk.callsTo('backup_restore')).toEqual([]);
  });

  it('"yes" restores that backup by name and says the desk restarts', async () => {
    const answer = deferred<unknown>();
    const desk = setup({ backup_restore: () => answer.promise });
    await fireEvent.click(await screen.findByTestId(`backup-restore-${MANUAL.name}`));
    await fireEvent.click(screen.getByTestId('backup-restore-yes'));
    expect(text(await findId('backup-restoring'))).toContain('Restoring… the desk restarts');
    expect(desk.callsTo('backup_restore')).toEqual([{ name: MANUAL.name }]);
    // Nothing else can start meanwhile.
    expect((screen.getByTestId('backup-now') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId(`backup-restore-${DAILY.name}`) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByTestId('backup-restore-yes')).toBeNull();

    answer.resolve(null);
    // The app restarts by itself: the words stay until it does.
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.getByTestId('backup-restoring')).toBeTruthy();
    expect(desk.callsTo('backup_restore')).toHaveLength(1);
  });

  it('a refused restore is said in plain words and can be tried again', async () => {
    const refusal = "That file is damaged or isn't a backup of this desk, so it can't be restored. Nothing was changed.";
    const desk = setup({
      backup_restore: () => {
        throw { code: 'backup_refused', message: refusal };
      },
    });
    await fireEvent.click(await screen.findByTestId(`backup-restore-${DAILY.name}`));
    await fireEvent.click(screen.getByTestId('backup-restore-yes'));
    expect(text(await findId('backup-restore-error'))).toBe(refusal);
    expect(screen.getByTestId('backup-restore-confirm').contains(screen.getByTestId('backup-restore-error'))).toBe(true);
    expect(screen.queryByTestId('backup-restoring')).toBeNull();
    expect(screen.getByTestId('backup-restore-yes')).toBeTruthy();
    expect((screen.getByTestId('backup-now') as HTMLButtonElement).disabled).toBe(false);
    expect(desk.callsTo('backup_restore')).toEqual([{ name: DAILY.name }]);
    // A refusal of the backup itself: the list is read again (the file may have changed).
    await waitFor(() => expect(desk.callsTo('backups_list')).toHaveLength(2));
  });

  it('a backup gone from the folder: the refusal stays on screen above the list read again', async () => {
    const gone = 'That backup is no longer in the backups folder. Look at the list again.';
    let list = LIST;
    setup({
      backups_list: () => list,
      backup_restore: () => {
        list = { ...LIST, backups: [DAILY, BEFORE, NEWER] };
        throw { code: 'backup_refused', message: gone };
      },
    });
    await fireEvent.click(await screen.findByTestId(`backup-restore-${MANUAL.name}`));
    await fireEvent.click(screen.getByTestId('backup-restore-yes'));
    await waitFor(() => expect(screen.queryByTestId(`backup-row-${MANUAL.name}`)).toBeNull());
    expect(screen.queryByTestId('backup-restore-confirm')).toBeNull();
    expect(text('backup-restore-error')).toBe(gone);
    expect(screen.getByTestId('backup-restore-error').getAttribute('role')).toBe('alert');
  });

  it('a restore that fails on this machine does not read the list again', async () => {
    const desk = setup({
      backup_restore: () => {
        throw { code: 'backup_failed', message: "The backup couldn't be made. Nothing was changed." };
      },
    });
    await fireEvent.click(await screen.findByTestId(`backup-restore-${DAILY.name}`));
    await fireEvent.click(screen.getByTestId('backup-restore-yes'));
    expect(text(await findId('backup-restore-error'))).toBe("The backup couldn't be made. Nothing was changed.");
    expect(desk.callsTo('backups_list')).toHaveLength(1);
  });
});

describe('AdminBackups: the report after a restore', () => {
  it('shows what happened and what to do again, at the top, until "Done"', async () => {
    const onopen = vi.fn();
    let pending: RestoreReport | null = REPORT;
    const desk = setup(
      {
        restore_report: () => pending,
        restore_report_dismiss: () => {
          pending = null;
          return null;
        },
      },
      { onopen },
    );
    const report = await screen.findByTestId('restore-report');
    // At the top of the section: before the list.
    const list = await screen.findByTestId('backups-list');
    expect(report.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    expect(report.textContent).toContain('This desk was restored from a backup');
    expect(text('restore-restored')).toMatch(
      /^On 25 Nov 2026, \d\d:\d\d the desk went back to the backup made on 2[34] Nov 2026, \d\d:\d\d \(desk-20261124T050000Z-daily\.sqlite3\)\.$/,
    );
    expect(text('restore-cancelled')).toBe('3 waiting messages were cancelled, so no old code was sent.');
    expect(text('restore-new-device')).toContain('new device');

    expect(text('restore-reenter-gmail')).toContain('Type the Gmail app password again: the keyring had a newer one.');
    expect(text('restore-reenter-gmail')).toContain('Do this under Admin → Credentials.');
    expect(text('restore-reenter-sync_password')).toContain("Type the clinic database's password again.");
    expect(text('restore-reenter-sync_password')).toContain('Do this under Admin → Clinic sync.');
    expect(text('restore-reenter-pepper')).toContain('Codes sent before the restore no longer work; send new ones.');
    expect(text('restore-reenter-pepper')).toContain('For your information');
    expect(screen.queryByTestId('restore-open-pepper')).toBeNull();

    await fireEvent.click(screen.getByTestId('restore-open-sync_password'));
    expect(onopen).toHaveBeenCalledWith('sync');
    await fireEvent.click(screen.getByTestId('restore-open-gmail'));
    expect(onopen).toHaveBeenLastCalledWith('credentials');

    await fireEvent.click(screen.getByTestId('restore-report-dismiss'));
    await waitFor(() => expect(screen.queryByTestId('restore-report')).toBeNull());
    expect(desk.callsTo('restore_report_dismiss')).toEqual([{}]);
    expect(document.activeElement?.id).toBe('backups-heading');
  });

  it('leaves out the new-device line when the desk kept its id, and says when nothing was cancelled', async () => {
    setup({ restore_report: () => ({ ...REPORT, newDevice: false, messagesCancelled: 0, reenter: [] }) });
    await screen.findByTestId('restore-report');
    expect(screen.queryByTestId('restore-new-device')).toBeNull();
    expect(text('restore-cancelled')).toBe('No waiting messages needed cancelling.');
    expect(screen.queryByTestId('restore-reenter-gmail')).toBeNull();
  });

  it('keeps the report when "Done" fails, saying why', async () => {
    setup({
      restore_report: () => REPORT,
      restore_report_dismiss: () => {
        throw { code: 'storage_unavailable', message: "The desk couldn't save that. Try again." };
      },
    });
    await fireEvent.click(await screen.findByTestId('restore-report-dismiss'));
    expect(text(await findId('restore-report-error'))).toBe("The desk couldn't save that. Try again.");
    expect(screen.getByTestId('restore-report')).toBeTruthy();
  });
});

describe('Admin after a restore', () => {
  it('opens on Backups while a report is pending, and its "Open Credentials" goes there', async () => {
    mockDesk({
      backups_list: () => LIST,
      restore_report: () => REPORT,
      credentials_get: () => {
        throw { code: 'keyring_unavailable', message: 'The keyring is locked.' };
      },
    });
    render(AdminArea);
    expect(await screen.findByTestId('restore-report')).toBeTruthy();
    expect(screen.getByTestId('admin-backups').getAttribute('aria-current')).toBe('page');
    expect(screen.getByTestId('admin-settings').getAttribute('aria-current')).toBeNull();
    // Backups sits right after Clinic sync.
    const sections = screen.getAllByRole('button').map((b) => b.dataset.testid).filter((id) => id?.startsWith('admin-'));
    expect(sections.indexOf('admin-backups')).toBe(sections.indexOf('admin-sync') + 1);

    await fireEvent.click(screen.getByTestId('restore-open-gmail'));
    expect(screen.getByTestId('admin-credentials').getAttribute('aria-current')).toBe('page');
    expect(screen.queryByTestId('restore-report')).toBeNull();
  });

  it('opens on Settings when there is no report', async () => {
    const desk = mockDesk({ restore_report: () => null });
    render(AdminArea);
    await waitFor(() => expect(desk.callsTo('restore_report')).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.getByTestId('admin-settings').getAttribute('aria-current')).toBe('page');
    expect(screen.queryByTestId('admin-section-backups')).toBeNull();
  });
});

async function findId(id: string, timeout = 1000): Promise<string> {
  await screen.findByTestId(id, {}, { timeout });
  return id;
}
