// The backups screen: the shape checks `api.ts` applies to what `backups_list`, `backup_now` and
// `restore_report` answer, and the words for a backup (its kind, size, version), for making one,
// for the restore's confirmation and for the report shown after a restore.
import type { BackupInfo, BackupKind, Backups, Reenter, ReenterItem, RestoreReport } from './api';
import { formatDateTime } from './time';

const n = (v: number) => v.toLocaleString('en-IN');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOrNone = (v: unknown) => v === null || v === undefined || typeof v === 'string';

// --- Shape checks (used by api.ts) ------------------------------------------------------------

/** One backup as `backups_list` and `backup_now` send it. `kind` may be one this UI doesn't know. */
export function isBackupInfo(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    value.name !== '' &&
    typeof value.madeAt === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.sizeBytes === 'number' &&
    typeof value.appVersion === 'string' &&
    typeof value.schemaVersion === 'number' &&
    typeof value.restorable === 'boolean' &&
    stringOrNone(value.refusal)
  );
}

export function isBackups(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.folder === 'string' &&
    typeof value.kept === 'number' &&
    Array.isArray(value.backups) &&
    value.backups.every(isBackupInfo)
  );
}

function isReenter(value: unknown): boolean {
  return isRecord(value) && typeof value.item === 'string' && typeof value.message === 'string';
}

/** What `restore_report` sends after a restart from a restore (null otherwise: checked apart). */
export function isRestoreReport(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.backupName === 'string' &&
    typeof value.backupMadeAt === 'string' &&
    typeof value.restoredAt === 'string' &&
    typeof value.messagesCancelled === 'number' &&
    typeof value.newDevice === 'boolean' &&
    Array.isArray(value.reenter) &&
    value.reenter.every(isReenter)
  );
}

// --- One backup -------------------------------------------------------------------------------

const KIND_WORDS: Record<BackupKind, string> = {
  daily: 'Daily',
  manual: 'Made by an admin',
  before_restore: 'Made before a restore',
};

/** "Daily" / "Made by an admin" / "Made before a restore" (a kind this UI doesn't know: "Backup"). */
export function kindWords(kind: BackupKind | (string & {})): string {
  return (KIND_WORDS as Record<string, string | undefined>)[kind] ?? 'Backup';
}

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

function oneDecimal(v: number): string {
  // "4.2", "12", "1,024": one decimal below 10, whole numbers above.
  return v < 10 ? (Math.round(v * 10) / 10).toLocaleString('en-IN', { maximumFractionDigits: 1 }) : n(Math.round(v));
}

/** A file's size: "0 KB", "1 KB" (anything from 1 byte), "640 KB", "4.2 MB", "124 MB", "1.5 GB". */
export function sizeWords(bytes: number): string {
  const b = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  if (b === 0) return '0 KB';
  if (b < MB) {
    // 1023.6 KB would round to "1,024 KB": that is 1 MB.
    const kb = Math.max(1, Math.round(b / KB));
    if (kb < 1024) return `${n(kb)} KB`;
  }
  if (b < GB && Math.round(b / MB) < 1024) return `${oneDecimal(b / MB)} MB`;
  return `${oneDecimal(b / GB)} GB`;
}

/** "24 Nov 2026, 10:30" (local time), or the time as sent if it can't be read. */
export function madeWords(iso: string, timeZone?: string): string {
  return formatDateTime(iso, timeZone) || iso;
}

/**
 * "0.4.0 (database 7)": the app that made it, and its database's version. A file the desk
 * couldn't read says "Unknown" (Rust sends "" or "unknown", and database 0).
 */
export function versionWords(b: Pick<BackupInfo, 'appVersion' | 'schemaVersion'>): string {
  const v = b.appVersion.trim();
  const app = v === '' || v.toLowerCase() === 'unknown' ? 'Unknown' : v;
  return b.schemaVersion > 0 ? `${app} (database ${b.schemaVersion})` : app;
}

/** Why a backup can't be restored, in the words Rust gives (or a plain fallback). */
export function refusalWords(b: Pick<BackupInfo, 'refusal'>): string {
  const r = (b.refusal ?? '').trim();
  return r === '' ? "This backup can't be restored on this desk." : r;
}

// --- The section's header, and making one now -------------------------------------------------

/** "Backups go to …" */
export function folderWords(folder: string): string {
  const f = folder.trim();
  return f === '' ? 'Backups go to the desk’s data folder.' : `Backups go to ${f}`;
}

/** How many are kept, and where that is set. */
export function keptWords(kept: number): string {
  const many = kept === 1 ? 'the newest backup' : `the newest ${n(kept)} backups`;
  return `The desk makes a backup once a day and keeps ${many}; older ones are deleted. Set how many are kept under Settings.`;
}

export const BACKUPS_NONE = 'No backups yet. The desk makes its first one today, or make one now.';

export const BACKUP_MAKING = 'Making a backup…';

/** "Backup made: desk-….sqlite3 (4.2 MB)." */
export function backupMadeWords(b: Pick<BackupInfo, 'name' | 'sizeBytes'>): string {
  return `Backup made: ${b.name} (${sizeWords(b.sizeBytes)}).`;
}

// --- Restore: the confirmation ----------------------------------------------------------------

/** What a restore does, one sentence each, for the confirmation panel. */
export function restoreConsequences(b: Pick<BackupInfo, 'madeAt'>, timeZone?: string): string[] {
  return [
    `The desk goes back to how it was on ${madeWords(b.madeAt, timeZone)}, when this backup was made.`,
    'Work done on this desk since then is not kept here. A copy of today’s data is saved first, as “Made before a restore”.',
    'Messages still waiting to go in the backup are cancelled, so no old code is sent.',
    'The desk restarts, and everyone signs in again.',
    'If this desk syncs with the clinic, it carries on as a new device.',
  ];
}

export const RESTORING = 'Restoring… the desk restarts in a moment, and everyone signs in again.';

// --- Restore: the report after the restart ----------------------------------------------------

export const REPORT_TITLE = 'This desk was restored from a backup';

/** "On 25 Nov 2026, 09:10 the desk went back to the backup made on 24 Nov 2026, 10:30 (name)." */
export function restoredWords(r: Pick<RestoreReport, 'backupName' | 'backupMadeAt' | 'restoredAt'>, timeZone?: string): string {
  return `On ${madeWords(r.restoredAt, timeZone)} the desk went back to the backup made on ${madeWords(r.backupMadeAt, timeZone)} (${r.backupName}).`;
}

/** "3 waiting messages were cancelled, so no old code was sent." */
export function cancelledWords(count: number): string {
  if (count <= 0) return 'No waiting messages needed cancelling.';
  const what = count === 1 ? '1 waiting message was' : `${n(count)} waiting messages were`;
  return `${what} cancelled, so no old code was sent.`;
}

export const NEW_DEVICE_WORDS =
  'This desk now syncs with the clinic as a new device. What the clinic already has from it stays as it was.';

/** Where an admin does what a re-enter item asks; null: for information only. */
export type ReenterPlace = 'credentials' | 'sync';

const REENTER_PLACE: Record<ReenterItem, ReenterPlace | null> = {
  gmail: 'credentials',
  twilio: 'credentials',
  sync_password: 'sync',
  pepper: null,
};

export function reenterPlace(item: Reenter['item'] | (string & {})): ReenterPlace | null {
  return (REENTER_PLACE as Record<string, ReenterPlace | null | undefined>)[item] ?? null;
}

/** The section's name in Admin, as its navigation shows it. */
export function placeLabel(place: ReenterPlace): string {
  return place === 'credentials' ? 'Credentials' : 'Clinic sync';
}

/** "Do this under Admin → Credentials." / "For your information." (nothing to enter in Admin). */
export function reenterHint(item: Reenter['item'] | (string & {})): string {
  const place = reenterPlace(item);
  return place ? `Do this under Admin → ${placeLabel(place)}.` : 'For your information: there is nothing to enter again in Admin.';
}
