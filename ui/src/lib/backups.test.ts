import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backupNow,
  backupRestore,
  backupsList,
  INTERNAL_ERROR_MESSAGE,
  restoreReport,
  restoreReportDismiss,
  type BackupInfo,
  type RestoreReport,
} from './api';
import {
  backupMadeWords,
  cancelledWords,
  folderWords,
  isBackupInfo,
  isBackups,
  isRestoreReport,
  keptWords,
  kindWords,
  madeWords,
  reenterHint,
  reenterPlace,
  refusalWords,
  restoreConsequences,
  restoredWords,
  sizeWords,
  versionWords,
} from './backups';

afterEach(() => {
  clearMocks();
});

const IST = 'Asia/Kolkata';

const BACKUP: BackupInfo = {
  name: 'desk-20261124T050000Z-daily.sqlite3',
  madeAt: '2026-11-24T05:00:00Z',
  kind: 'daily',
  sizeBytes: 4_404_019,
  appVersion: '0.4.0',
  schemaVersion: 7,
  restorable: true,
  refusal: null,
};

const REPORT: RestoreReport = {
  backupName: BACKUP.name,
  backupMadeAt: '2026-11-24T05:00:00Z',
  restoredAt: '2026-11-25T03:40:00Z',
  messagesCancelled: 3,
  newDevice: true,
  reenter: [
    { item: 'gmail', message: 'Type the Gmail app password again.' },
    { item: 'pepper', message: 'Codes sent before the restore no longer work.' },
  ],
};

describe('a backup in words', () => {
  it('names each kind', () => {
    expect(kindWords('daily')).toBe('Daily');
    expect(kindWords('manual')).toBe('Made by an admin');
    expect(kindWords('before_restore')).toBe('Made before a restore');
    // A kind a newer desk knows and this UI doesn't: still a plain word.
    expect(kindWords('weekly')).toBe('Backup');
  });

  it('gives sizes in KB, MB and GB', () => {
    expect(sizeWords(0)).toBe('0 KB');
    expect(sizeWords(1)).toBe('1 KB');
    expect(sizeWords(640 * 1024)).toBe('640 KB');
    expect(sizeWords(1023.6 * 1024)).toBe('1 MB');
    expect(sizeWords(4_404_019)).toBe('4.2 MB');
    expect(sizeWords(124 * 1024 * 1024 + 300_000)).toBe('124 MB');
    expect(sizeWords(1536 * 1024 * 1024)).toBe('1.5 GB');
    expect(sizeWords(-5)).toBe('0 KB');
    expect(sizeWords(Number.NaN)).toBe('0 KB');
  });

  it('dates, versions and refusals', () => {
    expect(madeWords('2026-11-24T05:00:00Z', IST)).toBe('24 Nov 2026, 10:30');
    expect(madeWords('not a date', IST)).toBe('not a date');
    expect(versionWords(BACKUP)).toBe('0.4.0 (database 7)');
    expect(versionWords({ appVersion: 'unknown', schemaVersion: 2 })).toBe('Unknown (database 2)');
    // A damaged file: nothing could be read from it.
    expect(versionWords({ appVersion: '', schemaVersion: 0 })).toBe('Unknown');
    const newer = 'This backup is from a newer version of the app (0.5.0). Update the desk first.';
    expect(refusalWords({ refusal: newer })).toBe(newer);
    expect(refusalWords({ refusal: null })).toBe("This backup can't be restored on this desk.");
  });

  it('the header and a backup made now', () => {
    expect(folderWords('/home/desk/.local/share/skinspire-verify-desk/backups')).toBe(
      'Backups go to /home/desk/.local/share/skinspire-verify-desk/backups',
    );
    expect(keptWords(14)).toContain('keeps the newest 14 backups');
    expect(keptWords(14)).toContain('under Settings');
    expect(keptWords(1)).toContain('keeps the newest backup;');
    expect(backupMadeWords(BACKUP)).toBe('Backup made: desk-20261124T050000Z-daily.sqlite3 (4.2 MB).');
  });
});

describe('restoring in words', () => {
  it('says what a restore does before it is confirmed', () => {
    const lines = restoreConsequences(BACKUP, IST);
    expect(lines[0]).toBe('The desk goes back to how it was on 24 Nov 2026, 10:30, when this backup was made.');
    const all = lines.join(' ');
    expect(all).toContain('not kept here');
    expect(all).toContain('“Made before a restore”');
    expect(all).toContain('no old code is sent');
    expect(all).toContain('everyone signs in again');
    expect(all).toContain('new device');
  });

  it('the report: when, what was cancelled, where to do each thing again', () => {
    expect(restoredWords(REPORT, IST)).toBe(
      'On 25 Nov 2026, 09:10 the desk went back to the backup made on 24 Nov 2026, 10:30 (desk-20261124T050000Z-daily.sqlite3).',
    );
    expect(cancelledWords(3)).toBe('3 waiting messages were cancelled, so no old code was sent.');
    expect(cancelledWords(1)).toBe('1 waiting message was cancelled, so no old code was sent.');
    expect(cancelledWords(0)).toBe('No waiting messages needed cancelling.');
    expect(reenterPlace('gmail')).toBe('credentials');
    expect(reenterPlace('twilio')).toBe('credentials');
    expect(reenterPlace('sync_password')).toBe('sync');
    expect(reenterPlace('pepper')).toBeNull();
    expect(reenterPlace('something_new')).toBeNull();
    expect(reenterHint('twilio')).toBe('Do this under Admin → Credentials.');
    expect(reenterHint('sync_password')).toBe('Do this under Admin → Clinic sync.');
    expect(reenterHint('pepper')).toBe('For your information: there is nothing to enter again in Admin.');
  });
});

describe('shape checks', () => {
  it('accept what the Rust sends', () => {
    expect(isBackupInfo(BACKUP)).toBe(true);
    expect(isBackupInfo({ ...BACKUP, restorable: false, refusal: 'From a newer version.' })).toBe(true);
    expect(isBackups({ folder: '/b', kept: 14, backups: [BACKUP] })).toBe(true);
    expect(isBackups({ folder: '/b', kept: 14, backups: [] })).toBe(true);
    expect(isRestoreReport(REPORT)).toBe(true);
    expect(isRestoreReport({ ...REPORT, reenter: [] })).toBe(true);
  });

  it('refuse what the screen could not draw', () => {
    expect(isBackupInfo({ ...BACKUP, name: '' })).toBe(false);
    expect(isBackupInfo({ ...BACKUP, sizeBytes: '4 MB' })).toBe(false);
    expect(isBackupInfo({ ...BACKUP, restorable: undefined })).toBe(false);
    expect(isBackupInfo({ ...BACKUP, refusal: 7 })).toBe(false);
    expect(isBackups({ folder: '/b', kept: 14 })).toBe(false);
    expect(isBackups({ folder: '/b', kept: 14, backups: [{ ...BACKUP, madeAt: null }] })).toBe(false);
    expect(isBackups([BACKUP])).toBe(false);
    expect(isRestoreReport({ ...REPORT, messagesCancelled: '3' })).toBe(false);
    expect(isRestoreReport({ ...REPORT, reenter: [{ item: 'gmail' }] })).toBe(false);
    expect(isRestoreReport(null)).toBe(false);
  });
});

describe('the backup commands', () => {
  function wire(reply: (cmd: string) => unknown) {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return reply(cmd);
    });
    return calls;
  }

  it('call the Rust commands with their arguments', async () => {
    const replies: Record<string, unknown> = {
      backups_list: { folder: '/b', kept: 14, backups: [BACKUP] },
      backup_now: { ...BACKUP, kind: 'manual' },
      backup_restore: null,
      restore_report: REPORT,
      restore_report_dismiss: null,
    };
    const calls = wire((cmd) => replies[cmd]);
    await expect(backupsList()).resolves.toEqual({ folder: '/b', kept: 14, backups: [BACKUP] });
    await expect(backupNow()).resolves.toEqual({ ...BACKUP, kind: 'manual' });
    await expect(backupRestore(BACKUP.name)).resolves.toBeUndefined();
    await expect(restoreReport()).resolves.toEqual(REPORT);
    await expect(restoreReportDismiss()).resolves.toBeUndefined();
    expect(calls).toEqual([
      { cmd: 'backups_list', args: {} },
      { cmd: 'backup_now', args: {} },
      { cmd: 'backup_restore', args: { name: BACKUP.name } },
      { cmd: 'restore_report', args: {} },
      { cmd: 'restore_report_dismiss', args: {} },
    ]);
  });

  it('no report: null', async () => {
    wire(() => null);
    await expect(restoreReport()).resolves.toBeNull();
    wire(() => undefined);
    await expect(restoreReport()).resolves.toBeNull();
  });

  it('pass a refused restore through in plain words', async () => {
    const refusal = 'This backup is from a newer version of the app (0.5.0). Update the desk first.';
    mockIPC(() => {
      throw { code: 'invalid_input', message: refusal };
    });
    await expect(backupRestore(BACKUP.name)).rejects.toEqual({ code: 'invalid_input', message: refusal });
  });

  it('refuse replies of the wrong shape', async () => {
    const internal = { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
    const shapes: Array<[() => Promise<unknown>, unknown]> = [
      [backupsList, [BACKUP]],
      [backupsList, { folder: '/b', kept: 14, backups: [{ ...BACKUP, kind: 3 }] }],
      [backupNow, null],
      [backupNow, { ...BACKUP, madeAt: undefined }],
      [restoreReport, { ...REPORT, newDevice: 'yes' }],
      [restoreReport, 'restored'],
    ];
    for (const [run, reply] of shapes) {
      wire(() => reply);
      await expect(run()).rejects.toEqual(internal);
    }
  });
});
