// The clinic-sync screen and the status bar's sync line: what the admin typed → the input
// `sync_setup_save` / `sync_test` receive, the role map's checks, and the words for a sync's
// progress, result and state.
import type {
  CodeType,
  ContactConflict,
  Role,
  RoleMapping,
  Settle,
  SyncInput,
  SyncProgress,
  SyncReport,
  SyncSetup,
  SyncView,
  WalkIn,
  WalkInMatch,
} from './api';
import type { Tone } from './status';
import { formatDateTime } from './time';

/** The status bar re-reads sync this often, and every second while a round runs. */
export const SYNC_REFRESH_MS = 30_000;
export const SYNC_RUNNING_REFRESH_MS = 1_000;
/** The sync screen re-reads the status this often while "Sync now" runs. */
export const SYNC_NOW_POLL_MS = 500;

export const PORT_DEFAULT = 5432;
export const INTERVAL_MIN = 1;
export const INTERVAL_MAX = 60;
/** The longest clinic role name the desk keeps (as the Rust side checks it). */
export const ROLE_NAME_MAX = 50;

const n = (v: number) => v.toLocaleString('en-IN');

function plural(count: number, one: string, many: string): string {
  return count === 1 ? `1 ${one}` : `${n(count)} ${many}`;
}

// --- The connection form --------------------------------------------------------------------

/** The sync form as typed; numbers stay text until saved. The password is never filled in. */
export type SyncForm = {
  host: string;
  port: string;
  database: string;
  role: string;
  caFile: string;
  intervalMinutes: string;
  password: string;
};

export type SyncField = Exclude<keyof SyncForm, 'password'>;

export function emptySyncForm(): SyncForm {
  return { host: '', port: String(PORT_DEFAULT), database: '', role: '', caFile: '', intervalMinutes: '5', password: '' };
}

/** The form as `sync_setup_get` has it; the password box starts empty. */
export function toSyncForm(setup: SyncSetup): SyncForm {
  return {
    host: setup.host,
    port: String(setup.port || PORT_DEFAULT),
    database: setup.database,
    role: setup.role,
    caFile: setup.caFile,
    intervalMinutes: String(setup.intervalMinutes),
    password: '',
  };
}

/** Said when the saved password would go somewhere new: it must be typed again. */
export const SYNC_PASSWORD_AGAIN =
  'Type the password again: the saved one only goes to the server, database and role it was typed for.';

/**
 * True when the form would send the saved password somewhere new: another server, port,
 * database or role than the saved, complete setup (as the Rust side decides it).
 */
export function syncRedirected(form: SyncForm, saved: SyncSetup | null): boolean {
  if (!saved?.passwordSaved) return false;
  const configured = saved.host.trim() !== '' && saved.database.trim() !== '' && saved.role.trim() !== '';
  if (!configured) return false;
  return (
    form.host.trim() !== saved.host.trim() ||
    form.port.trim() !== String(saved.port) ||
    form.database.trim() !== saved.database.trim() ||
    form.role.trim() !== saved.role.trim()
  );
}

function whole(text: string): number {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

/** Per-field problems in words; empty when the numbers are in range. */
export function syncFormProblems(form: SyncForm): Partial<Record<SyncField, string>> {
  const problems: Partial<Record<SyncField, string>> = {};
  const port = whole(form.port);
  if (!(port >= 1 && port <= 65535)) problems.port = 'The port must be a whole number from 1 to 65535 (PostgreSQL uses 5432).';
  const every = whole(form.intervalMinutes);
  if (!(every >= INTERVAL_MIN && every <= INTERVAL_MAX)) {
    problems.intervalMinutes = `Sync every: a whole number of minutes from ${INTERVAL_MIN} to ${INTERVAL_MAX}.`;
  }
  return problems;
}

/**
 * What `sync_setup_save` and `sync_test` receive: text trimmed, numbers as numbers, and the
 * password only when one is typed (`null`: keep, or test with, the saved one). Null when a
 * number is out of range (see `syncFormProblems`).
 */
export function syncInput(form: SyncForm): SyncInput | null {
  if (Object.keys(syncFormProblems(form)).length > 0) return null;
  return {
    host: form.host.trim(),
    port: whole(form.port),
    database: form.database.trim(),
    role: form.role.trim(),
    caFile: form.caFile.trim(),
    intervalMinutes: whole(form.intervalMinutes),
    password: form.password === '' ? null : form.password,
  };
}

/** Why a connection can't be tried yet, or null. */
export function testProblem(form: SyncForm): string | null {
  if (form.host.trim() === '' || form.database.trim() === '' || form.role.trim() === '') {
    return 'Type the clinic server, the database and the desk role first (the clinic’s database administrator gives them).';
  }
  return null;
}

export function savedWords(passwordTyped: boolean): string {
  return passwordTyped ? 'Sync settings saved. The password is in the system keyring.' : 'Sync settings saved.';
}

// --- Sync now, and the state -----------------------------------------------------------------

/** "Fetching the clinic's people: 1,200 of 1,00,000". */
export function syncProgressWords(p: SyncProgress): string {
  return `Fetching the clinic's people: ${n(p.done)} of ${n(p.total)}`;
}

/**
 * What one round did, in words: "Sent 12 events; 3 people added, 1 changed." Deactivated and
 * unreadable rows are named only when there are some.
 */
export function syncReportWords(r: Pick<SyncReport, 'pushed' | 'pulled' | 'added' | 'changed' | 'deactivated' | 'unreadable' | 'full'>): string {
  const sent = r.pushed > 0 ? `Sent ${plural(r.pushed, 'event', 'events')}` : 'No events to send';
  const counts = [
    [r.added, 'added'],
    [r.changed, 'changed'],
    [r.deactivated, 'deactivated'],
  ] as const;
  // "3 people added, 1 changed": the noun goes with the first number.
  const parts = counts
    .filter(([count]) => count > 0)
    .map(([count, what], i) => (i === 0 ? `${n(count)} ${count === 1 ? 'person' : 'people'} ${what}` : `${n(count)} ${what}`));
  const people = parts.length > 0 ? parts.join(', ') : 'nothing new from the clinic';
  const full = r.full ? ` (a full read of ${plural(r.pulled, 'clinic person', 'clinic people')})` : '';
  const unreadable =
    r.unreadable > 0
      ? ` ${plural(r.unreadable, "clinic row couldn't", "clinic rows couldn't")} be read: see “Rows the desk couldn't read” below.`
      : '';
  return `${sent}; ${people}${full}.${unreadable}`;
}

/** The screen's status line: the Rust's summary, or why there is none. */
export function syncSummaryWords(view: Pick<SyncView, 'summary'> | null): string {
  const s = view?.summary?.trim();
  return s ? s : "Sync with the clinic isn't set up yet. Fill in the clinic server below and save.";
}

export function lastSyncedWords(view: Pick<SyncView, 'lastOkAt'>, timeZone?: string): string {
  if (!view.lastOkAt) return 'Not synced yet';
  return formatDateTime(view.lastOkAt, timeZone) || view.lastOkAt;
}

/** Events made here that the clinic doesn't have yet: "12 events", or "None". */
export function waitingWords(count: number): string {
  return count > 0 ? plural(count, 'event', 'events') : 'None';
}

export function clinicPeopleWords(count: number): string {
  return plural(count, 'person', 'people');
}

/** How the sync line looks in the status bar: a warning while it fails or is stopped; else plain. */
export function syncTone(view: Pick<SyncView, 'lastError' | 'forkedAtSeq'>): Tone | null {
  return (view.lastError ?? '').trim() !== '' || view.forkedAtSeq != null ? 'warning' : null;
}

/** The fork box's explanation. */
export function forkWords(seq: number): string {
  return `This desk's history no longer matches what the clinic holds from it (from event ${n(seq)}): it was probably restored from a backup. Nothing was overwritten.`;
}

export const NEW_DEVICE_QUESTION =
  'Start as a new device? The desk takes a new device id, carries over the verifications the clinic may be missing, and restarts. Its old history stays here as it is.';
export const NEW_DEVICE_DONE = 'The desk restarts as a new device.';

// --- The role map ---------------------------------------------------------------------------

export const DESK_ROLES: readonly { value: Role; label: string }[] = [
  { value: 'admin', label: 'Desk admin' },
  { value: 'reception', label: 'Reception' },
];

export const ROLE_MAP_HINT = 'Clinic staff with none of these roles have no account at this desk.';

/** Why the role map can't be saved as it is, or null. */
export function roleMapProblem(map: readonly RoleMapping[]): string | null {
  const seen = new Set<string>();
  for (const m of map) {
    const name = m.clinicRole.trim();
    if (name === '') return 'Type a name for each clinic role, or remove the empty row.';
    if ([...name].length > ROLE_NAME_MAX) return `A clinic role name has at most ${ROLE_NAME_MAX} characters: “${name.slice(0, 20)}…” is longer.`;
    const key = name.toLowerCase();
    if (seen.has(key)) return `“${name}” is listed twice. Keep one row for it.`;
    seen.add(key);
  }
  return null;
}

/** The map as saved: names trimmed. */
export function cleanRoleMap(map: readonly RoleMapping[]): RoleMapping[] {
  return map.map((m) => ({ clinicRole: m.clinicRole.trim(), deskRole: m.deskRole === 'admin' ? 'admin' : 'reception' }));
}

export function roleMapSavedWords(count: number): string {
  return count === 0
    ? 'Clinic roles saved: nobody from the clinic gets an account at this desk. The next sync applies it.'
    : `Clinic roles saved (${plural(count, 'role', 'roles')}). The next sync applies them.`;
}

// --- Rows the desk couldn't read -------------------------------------------------------------

export const UNREADABLE_HINT =
  "These people's records in the clinic system have something the desk can't read. Correct them in the clinic system; the next sync takes the correction.";
export const UNREADABLE_NONE = 'Every clinic row read cleanly.';

export function problemsWords(problems: readonly string[]): string {
  const list = problems.map((p) => p.trim().replace(/\.$/, '')).filter(Boolean);
  return list.length > 0 ? `${list.join('; ')}.` : 'The desk could not read this row.';
}

export function lastSeenWords(iso: string, timeZone?: string): string {
  return `Last seen ${formatDateTime(iso, timeZone) || iso}`;
}

// --- Contacts to settle ----------------------------------------------------------------------

export const CONFLICTS_HINT =
  'A contact was corrected at a desk while the clinic system changed it too. Check with the person which one is right, then keep it.';
export const CONFLICTS_NONE = 'No contacts to settle.';

/** "Mobile number" / "Email". */
export function conflictChannelWords(channel: CodeType): string {
  return channel === 'email' ? 'Email' : 'Mobile number';
}

/** A value as the conflict shows it: "none" for no number or address. */
function valueWords(value: string | null | undefined): string {
  const v = (value ?? '').trim();
  return v === '' ? 'none' : v;
}

/** "Typed at Front desk on 24 Nov 2026, 10:32: +919876500001". */
export function conflictDeskWords(c: Pick<ContactConflict, 'deskName' | 'madeAt' | 'deskValue'>, timeZone?: string): string {
  const desk = c.deskName.trim() || 'a desk';
  return `Typed at ${desk} on ${formatDateTime(c.madeAt, timeZone) || c.madeAt}: ${valueWords(c.deskValue)}`;
}

/** "In the clinic system now: +919876500002". */
export function conflictClinicWords(c: Pick<ContactConflict, 'clinicValue'>): string {
  return `In the clinic system now: ${valueWords(c.clinicValue)}`;
}

/** What a choice did: "Saved: the desk's number goes to the clinic at the next sync." */
export function conflictSettledWords(keep: Settle, channel: CodeType): string {
  const what = channel === 'email' ? 'email address' : 'number';
  return keep === 'desk'
    ? `Saved: the desk's ${what} goes to the clinic at the next sync.`
    : `Saved: this desk now has the clinic's ${what}.`;
}

// --- Walk-ins not in the clinic's records ----------------------------------------------------

export const WALKINS_HINT =
  "People added at this desk whom no clinic record matches by mobile number and name. When the clinic system has them with the same mobile number and name, a sync joins the two.";
export const WALKINS_NONE = "Every walk-in is in the clinic's records.";

/** The section's heading, with the count: "Walk-ins not in the clinic's records (3)". */
export function walkinsHeading(count: number | null): string {
  const title = "Walk-ins not in the clinic's records";
  return count == null ? title : `${title} (${n(count)})`;
}

/** "Same number as clinic record Priya R (P-1042): check with the clinic which is right." */
export function walkinMatchWords(m: Pick<WalkInMatch, 'displayName' | 'userId' | 'reason'>): string {
  const what = m.reason === 'same_email' ? 'email' : 'number';
  return `Same ${what} as clinic record ${m.displayName} (${m.userId}): check with the clinic which is right.`;
}

/** "Added 24 Nov 2026, 10:32". */
export function walkinAddedWords(w: Pick<WalkIn, 'createdAt'>, timeZone?: string): string {
  return `Added ${formatDateTime(w.createdAt, timeZone) || w.createdAt}`;
}

/** The window event the sync screen sends after a save or a round, so the status bar's sync line
 * is read again at once instead of at its next 30-second look. */
export const SYNC_CHANGED_EVENT = 'desk-sync-changed';

export function announceSyncChanged(): void {
  window.dispatchEvent(new Event(SYNC_CHANGED_EVENT));
}
