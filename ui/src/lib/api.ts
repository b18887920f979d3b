// The only module that talks to the Rust side. Every other file imports the
// typed functions below; nothing else may import `@tauri-apps/api` (or `./bindings`'s
// `commands`). Each function calls the generated wrapper in `./bindings` (command names,
// argument names and types all come from the Rust) inside one error handling.
import { Channel as IpcChannel } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { commands } from './bindings';
import type * as B from './bindings';
import { isBackupInfo, isBackups, isRestoreReport } from './backups';
import { isSessionEnd } from './session';
import { readSettings } from './settings';

// --- Types: the generated ones, under the names the UI uses -------------------------------
// `_Serialize` is what Rust sends, `_Deserialize` what Rust accepts.

export type {
  AppStatus,
  CheckProgress,
  ChainBreak,
  CodeType,
  ConsentView,
  Due,
  EntityType,
  EventKind,
  FloorNotice,
  KeyringState,
  KeyringStatus,
  NewStaff,
  Notice,
  Outcome,
  Provider,
  Role,
  Session,
  SetupStatus,
  Settle,
  SmsInfo,
  SmtpTls,
  Started,
  TemplateView,
  TestResult,
  Verified,
} from './bindings';

/**
 * The channels the UI itself knows (labels, shortcut keys, the settings list). Rust's channels
 * are open strings; this union is assignable to them, and values from Rust are `string`.
 */
export type Channel = 'whatsapp' | 'sms' | 'email';

export type StaffView = B.StaffView_Serialize;
export type ContactStatus = B.ContactStatus_Serialize;
export type PersonSummary = B.PersonSummary_Serialize;
export type PersonView = B.PersonView_Serialize;
export type PersonInput = B.PersonInput_Deserialize;
export type CheckResult = B.CheckResult_Serialize;
export type EditResult = B.EditResult_Serialize;
export type DeliveryStatus = B.OutboxStatus;
export type DeliveryUpdate = B.DeliveryUpdate_Serialize;
export type DemoMessage = B.DemoMessage_Serialize;
export type OutboxEntry = B.OutboxEntry_Serialize;
export type CredentialsView = B.CredentialsView_Serialize;
export type Health = B.Health_Serialize;
export type RecentError = B.RecentError_Serialize;
/** Every setting, under the clinic system's snake_case names, as `settings_get` sends them. */
export type Settings = B.AllSettings_Serialize;
/** A settings change: snake_case names, only the keys that changed. */
export type SettingsPatch = Parameters<typeof commands.settingsUpdate>[0];
export type GmailInput = B.GmailInput_Deserialize;
export type TwilioInput = B.TwilioInput_Deserialize;
export type TemplatePart = B.Part;
export type Preview = B.Preview_Serialize;
/** Audit filters; absent keys match everything. Dates are YYYY-MM-DD (inclusive). */
export type AuditFilter = B.AuditFilter_Deserialize;
/** One row of the event log (a person's history, or the audit screen). */
export type AuditEvent = B.Event_Serialize;
/** What an event records besides its columns (JSON), or null. */
export type EventDetail = B.Value;
/** What a check of the audit chain found. */
export type ChainReport = B.ChainReport_Serialize;
/** The first start's result: the administrator, and the recovery code (shown once). */
export type FirstAdminResult = B.FirstAdminResult_Serialize;
export type DeskEvent = B.Event_Serialize;
/** Sync with the clinic as the status bar and the sync screen show it (`summary`: the status line). */
export type SyncView = B.SyncView_Serialize;
export type SyncStatus = B.SyncStatus_Serialize;
/** The sync screen's settings (never the password: only whether one is saved) and the device id. */
export type SyncSetup = B.SyncSetup;
/** What the sync screen sends; `password` null keeps (or tests with) the saved one. */
export type SyncInput = B.SyncInput_Deserialize;
/** What one round of "Sync now" did. */
export type SyncReport = B.SyncReport_Serialize;
/** How far a long pull has got: people applied of the total. */
export type SyncProgress = B.Progress;
/** A clinic row the desk couldn't read in full. */
export type Unreadable = B.Unreadable;
/** One line of the role map: a clinic role and the desk role it gives. */
export type RoleMapping = B.RoleMapping;
/**
 * A contact corrected at a desk for a clinic person while the clinic changed it too: it waits
 * for an admin to keep one. `deskValue` / `clinicValue` null: no number or address.
 */
export type ContactConflict = B.ContactConflict_Serialize;
/** A person typed at this desk that no clinic record matched by the same phone and name. */
export type WalkIn = B.WalkIn_Serialize;
/** A clinic person sharing a walk-in's phone (or email) under another name. */
export type WalkInMatch = B.WalkInMatch_Serialize;
/** A setting the clinic system sets for every desk (read-only at the desk). */
export type CentralSetting = B.CentralSetting;
/** One backup file: when and how it was made, its size, the app and database versions that made it,
 * and whether this desk can restore it (`refusal`: why not, in words). */
export type BackupInfo = B.BackupInfo;
export type BackupKind = B.BackupKind;
/** The backups folder, how many are kept (setting `backups_kept`), and the backups, newest first. */
export type Backups = B.Backups;
/** Something an admin must do again after a restore (`message`: what, in words). */
export type Reenter = B.Reenter;
export type ReenterItem = B.ReenterItem;
/** After a restart from a restore: what happened and what the admin must do. */
export type RestoreReport = B.RestoreReport;
/** Error codes `app_status` may reject with; each means the desk could not start. */
export type StartupErrorCode = Extract<
  B.ErrorCode,
  'database_too_new' | 'database_unavailable' | 'storage_unavailable' | 'not_ready' | 'internal'
>;

/**
 * Every command rejects with this shape (Rust's `PublicError`). `message` is plain words, shown
 * as-is. `code` is a string, not `ErrorCode`: anything else thrown (Tauri's permission layer, a
 * JS exception) is turned into `internal` here, and the UI compares codes as strings.
 */
export type ApiError = { code: B.ErrorCode | (string & {}); message: string };

export const INTERNAL_ERROR_MESSAGE =
  'The desk could not do that. Try again; if it keeps happening, ask your administrator.';

// --- Errors ---------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `e` has the `{ code, message }` shape the Rust side rejects with. */
export function isApiError(e: unknown): e is ApiError {
  return isRecord(e) && typeof e.code === 'string' && typeof e.message === 'string';
}

/**
 * Turns any rejection into an ApiError. Anything that is not `{ code, message }`
 * (a string from Tauri's permission layer, a JS exception, …) becomes `internal`
 * with a plain-words message, so the screen never shows a raw error.
 */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) {
    const message = e.message.trim();
    return {
      code: e.code.trim() === '' ? 'internal' : e.code,
      message: message === '' ? INTERNAL_ERROR_MESSAGE : message,
    };
  }
  return { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
}

function malformed(): ApiError {
  return { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
}

// --- The session's end, handled in one place ------------------------------------------------

/** Called when any command says the session is over (idle lock, or nobody signed in). */
export type SessionEndHandler = (error: ApiError) => void;

let sessionEndHandler: SessionEndHandler | null = null;

/**
 * Registers the one place that reacts when a command rejects with `session_locked` or
 * `sign_in_required` (the App: back to the sign-in screen). Components need not check
 * for these codes themselves. Returns a function that removes the handler.
 */
export function onSessionEnd(handler: SessionEndHandler): () => void {
  sessionEndHandler = handler;
  return () => {
    if (sessionEndHandler === handler) sessionEndHandler = null;
  };
}

/** Runs one generated command; every rejection leaves as an ApiError. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const error = toApiError(e);
    if (isSessionEnd(error)) sessionEndHandler?.(error);
    throw error;
  }
}

/** A list command: anything but an array (or an element failing `check`) is `internal`. */
async function list<T>(run: () => Promise<T[]>, check?: (v: unknown) => boolean): Promise<T[]> {
  const value: unknown = await call(run);
  if (!Array.isArray(value) || (check && !value.every(check))) throw malformed();
  return value as T[];
}

/** A command whose reply the screen can't draw half-broken: the wrong shape is `internal`. */
async function checked<T>(run: () => Promise<T>, check: (v: unknown) => boolean): Promise<T> {
  const value = await call(run);
  if (!check(value)) throw malformed();
  return value;
}

// --- Shape checks the screens rely on -------------------------------------------------------

const KEYRING_STATES = Object.keys({ ok: 1, unavailable: 1, locked: 1, error: 1 } satisfies Record<B.KeyringState, 1>);

function isAppStatus(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const k = value.keyring;
  return (
    typeof value.appName === 'string' &&
    typeof value.version === 'string' &&
    typeof value.databasePath === 'string' &&
    typeof value.logDir === 'string' &&
    typeof value.schemaVersion === 'number' &&
    typeof value.migrationsOk === 'boolean' &&
    typeof value.migrationsApplied === 'number' &&
    isRecord(k) &&
    typeof k.state === 'string' &&
    KEYRING_STATES.includes(k.state) &&
    typeof k.message === 'string' &&
    typeof k.backend === 'string'
  );
}

function isHealth(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { credentials, gmail } = value;
  return (
    typeof value.demoMode === 'boolean' &&
    (value.usableChannels === null || Array.isArray(value.usableChannels)) &&
    isRecord(credentials) &&
    typeof credentials.gmailConfigured === 'boolean' &&
    typeof credentials.twilioConfigured === 'boolean' &&
    isRecord(gmail) &&
    typeof gmail.sent24h === 'number' &&
    typeof gmail.limit === 'number' &&
    Array.isArray(value.lastTests) &&
    typeof value.queued === 'number' &&
    typeof value.waitingOffline === 'number' &&
    typeof value.waitingForKeyring === 'number' &&
    Array.isArray(value.floorNotices) &&
    typeof value.temporaryPepper === 'boolean'
  );
}

function isSetupStatus(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.needsFirstAdmin === 'boolean' &&
    typeof value.peopleCount === 'number' &&
    typeof value.clinicName === 'string' &&
    typeof value.idleLockMinutes === 'number'
  );
}

function isStaffView(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    typeof value.displayName === 'string' &&
    typeof value.role === 'string' &&
    typeof value.isActive === 'boolean' &&
    typeof value.locked === 'boolean'
  );
}

function isPersonSummary(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    typeof value.displayName === 'string' &&
    isRecord(value.phoneStatus) &&
    isRecord(value.emailStatus)
  );
}

function isChainReport(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.intact === 'boolean' &&
    typeof value.checked === 'number' &&
    typeof value.unverifiable === 'number' &&
    typeof value.anchored === 'number' &&
    (value.firstBreak === null || value.firstBreak === undefined || isRecord(value.firstBreak))
  );
}

function isAuditEvent(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.eventId === 'string' &&
    typeof value.occurredAt === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.outcome === 'string' &&
    typeof value.userId === 'string' &&
    typeof value.actor === 'string'
  );
}

function isSyncView(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const p = value.progress;
  const optionalNumber = (v: unknown) => v === null || v === undefined || typeof v === 'number';
  const optionalString = (v: unknown) => v === null || v === undefined || typeof v === 'string';
  return (
    typeof value.configured === 'boolean' &&
    typeof value.running === 'boolean' &&
    typeof value.eventsWaiting === 'number' &&
    typeof value.clinicPeople === 'number' &&
    typeof value.unreadable === 'number' &&
    optionalString(value.summary) &&
    optionalString(value.lastOkAt) &&
    optionalString(value.lastError) &&
    optionalNumber(value.forkedAtSeq) &&
    (p === null || p === undefined || (isRecord(p) && typeof p.done === 'number' && typeof p.total === 'number'))
  );
}

function isSyncSetup(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.host === 'string' &&
    typeof value.port === 'number' &&
    typeof value.database === 'string' &&
    typeof value.role === 'string' &&
    typeof value.caFile === 'string' &&
    typeof value.intervalMinutes === 'number' &&
    typeof value.passwordSaved === 'boolean' &&
    typeof value.deviceId === 'string'
  );
}

function isSyncReport(value: unknown): boolean {
  return (
    isRecord(value) &&
    ['pushed', 'pulled', 'added', 'changed', 'deactivated', 'unreadable'].every((k) => typeof value[k] === 'number') &&
    typeof value.full === 'boolean' &&
    isSyncView(value.view)
  );
}

function isUnreadable(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    Array.isArray(value.problems) &&
    value.problems.every((p) => typeof p === 'string') &&
    typeof value.lastSeenAt === 'string'
  );
}

/** A string, or null (or left out) for "none". */
const stringOrNone = (v: unknown) => v === null || v === undefined || typeof v === 'string';

function isContactConflict(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.eventId === 'string' &&
    typeof value.userId === 'string' &&
    typeof value.displayName === 'string' &&
    (value.channel === 'phone' || value.channel === 'email') &&
    stringOrNone(value.deskValue) &&
    stringOrNone(value.clinicValue) &&
    typeof value.deskName === 'string' &&
    typeof value.madeAt === 'string'
  );
}

function isWalkInMatch(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    typeof value.displayName === 'string' &&
    stringOrNone(value.phone) &&
    stringOrNone(value.email) &&
    (value.reason === 'same_phone' || value.reason === 'same_email')
  );
}

function isWalkIn(value: unknown): boolean {
  const m = isRecord(value) ? value.possibleMatch : undefined;
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    typeof value.displayName === 'string' &&
    stringOrNone(value.phone) &&
    stringOrNone(value.email) &&
    typeof value.createdAt === 'string' &&
    (m === null || m === undefined || isWalkInMatch(m))
  );
}

function isCentralSetting(value: unknown): boolean {
  return isRecord(value) && typeof value.name === 'string' && typeof value.label === 'string' && 'value' in value;
}

function isRoleMapping(value: unknown): boolean {
  return isRecord(value) && typeof value.clinicRole === 'string' && (value.deskRole === 'admin' || value.deskRole === 'reception');
}

// --- Start-up and sign-in (open: no session needed) -----------------------------------------

/**
 * What the desk needs to know at start. Rejects with an ApiError when the desk could not
 * start; a reply of the wrong shape is treated as `internal` rather than drawn half-broken.
 */
export function appStatus(): Promise<B.AppStatus> {
  return checked(() => commands.appStatus(), isAppStatus);
}

/** First start or not, how many people, the clinic's name, the idle-lock time. */
export function setupStatus(): Promise<B.SetupStatus> {
  return checked(() => commands.setupStatus(), isSetupStatus);
}

/**
 * First start only: names the clinic and creates its first administrator. The answer carries
 * the recovery code, to be shown once; a reply without it is `internal` (the code would be lost).
 */
export function setupFirstAdmin(
  clinicName: string,
  admin: { userId: string; displayName: string; password: string },
): Promise<FirstAdminResult> {
  const { userId, displayName, password } = admin;
  return checked(
    () => commands.setupFirstAdmin({ clinicName, admin: { userId, displayName, role: 'admin', password } }),
    (v) => isRecord(v) && typeof v.recoveryCode === 'string' && v.recoveryCode !== '' && isStaffView(v.admin),
  );
}

/**
 * An administrator forgot the password (or every administrator is locked out): the recovery
 * code sets a new one. Resolves with the next recovery code, to be shown once.
 */
export function recoveryUse(adminId: string, code: string, newPassword: string): Promise<string> {
  return checked(() => commands.recoveryUse(adminId, code, newPassword), (v) => typeof v === 'string' && v !== '');
}

/** Signs a staff member in. The password goes straight to Rust and is kept nowhere here. */
export function signIn(userId: string, password: string): Promise<B.Session> {
  return call(() => commands.signIn(userId, password));
}

export async function signOut(): Promise<void> {
  await call(() => commands.signOut());
}

/** Who is signed in (does not count as activity), or null. */
export async function sessionCurrent(): Promise<B.Session | null> {
  return (await call(() => commands.sessionCurrent())) ?? null;
}

// --- People, verification, delivery ---------------------------------------------------------

export function peopleSearch(query: string): Promise<PersonSummary[]> {
  return list(() => commands.peopleSearch(query));
}

export function personGet(userId: string): Promise<PersonView> {
  return call(() => commands.personGet(userId));
}

export function personAdd(input: PersonInput): Promise<PersonView> {
  return call(() => commands.personAdd(input));
}

export function personUpdate(userId: string, input: PersonInput): Promise<EditResult> {
  return call(() => commands.personUpdate(userId, input));
}

/** Fills an empty desk with sample people; returns how many were added. */
export function sampleDataLoad(): Promise<number> {
  return call(() => commands.sampleDataLoad());
}

export function verificationStart(userId: string, channel: string, consent: boolean): Promise<B.Started> {
  return call(() => commands.verificationStart(userId, channel, consent));
}

export function verificationCheck(userId: string, codeType: B.CodeType, code: string): Promise<CheckResult> {
  return call(() => commands.verificationCheck(userId, codeType, code));
}

export function personEvents(userId: string): Promise<DeskEvent[]> {
  return list(() => commands.personEvents(userId));
}

/** Settings with every key present and of its type (a missing or odd one at its default). */
export async function settingsGet(): Promise<Settings> {
  return readSettings(await checked(() => commands.settingsGet(), isRecord));
}

/**
 * The settings the clinic system sets for every desk (from sync): read-only here. Empty when
 * sync isn't set up or the clinic sets none.
 */
export function settingsCentral(): Promise<CentralSetting[]> {
  return list(() => commands.settingsCentral(), isCentralSetting);
}

export function deliveryHealth(): Promise<Health> {
  return checked(() => commands.deliveryHealth(), isHealth);
}

/** Recent messages and their states; one person's when `userId` is given. */
export function outboxList(userId?: string): Promise<OutboxEntry[]> {
  return list(() => commands.outboxList(userId ?? null));
}

export function demoOutbox(): Promise<DemoMessage[]> {
  return list(() => commands.demoOutbox());
}

/** People with a contact the clinic's settings require verified that isn't, oldest first. */
export function needsVerifying(): Promise<PersonSummary[]> {
  return list(() => commands.needsVerifying(), isPersonSummary);
}

/** The consent words the receptionist reads out, in `language`. */
export function consentNotice(language: string): Promise<B.Notice> {
  return checked(() => commands.consentNotice(language), (v) => isRecord(v) && typeof v.text === 'string');
}

/** The person withdraws consent for codes to this contact; waiting messages are cancelled. */
export function consentWithdraw(userId: string, codeType: B.CodeType): Promise<PersonView> {
  return call(() => commands.consentWithdraw(userId, codeType));
}

/** The person consents again (with the current notice). */
export function consentRenew(userId: string, codeType: B.CodeType): Promise<PersonView> {
  return call(() => commands.consentRenew(userId, codeType));
}

/**
 * Sync's state and the status bar's line (`summary`, null when sync isn't set up). Polled by
 * the window; it needs a live session but doesn't count as activity.
 */
export function syncStatus(): Promise<SyncView> {
  return checked(() => commands.syncStatus(), isSyncView);
}

/** One round now (push, then pull); while it runs, `syncStatus` shows its progress. */
export function syncNow(): Promise<SyncReport> {
  return checked(() => commands.syncNow(), isSyncReport);
}

export function credentialsGet(): Promise<CredentialsView> {
  return call(() => commands.credentialsGet());
}

/** Stops listening. */
export type Unlisten = () => void;

/** Something that delivers `delivery` updates; components take one so tests can inject their own. */
export type DeliverySource = (cb: (update: DeliveryUpdate) => void) => Promise<Unlisten>;

/**
 * Listens to the `delivery` event the shell emits on every delivery state
 * change. Rejects with an ApiError when events are unavailable.
 */
export const onDelivery: DeliverySource = async (cb) => {
  let unlisten: () => void | Promise<void>;
  try {
    unlisten = await listen<DeliveryUpdate>('delivery', (event) => {
      if (isRecord(event.payload) && typeof event.payload.outboxId === 'number') cb(event.payload);
    });
  } catch (e) {
    throw toApiError(e);
  }
  return () => {
    // The window may be going away (or the backend already gone): nothing left to stop then.
    try {
      void Promise.resolve(unlisten()).catch(() => {});
    } catch {
      // as above
    }
  };
};

// --- Administration (admin only; Rust checks the role whatever the UI shows) ----------------

/** Changes settings, all or nothing; returns all settings as they now stand. */
export async function settingsUpdate(patch: SettingsPatch): Promise<Settings> {
  return readSettings(await checked(() => commands.settingsUpdate(patch), isRecord));
}

export function credentialsSaveGmail(input: GmailInput): Promise<CredentialsView> {
  return call(() => commands.credentialsSaveGmail(input));
}

export function credentialsSaveTwilio(input: TwilioInput): Promise<CredentialsView> {
  return call(() => commands.credentialsSaveTwilio(input));
}

export function credentialsDelete(provider: B.Provider): Promise<CredentialsView> {
  return call(() => commands.credentialsDelete(provider));
}

/** Sends a real test message; `{ok, message}` is the provider's answer in plain words. */
export function credentialsTest(provider: B.Provider, to: string): Promise<B.TestResult> {
  return call(() => commands.credentialsTest(provider, to));
}

export function templatesList(channel: Channel, language: string): Promise<B.TemplateView[]> {
  return list(() => commands.templatesList(channel, language));
}

export function templateSave(channel: Channel, language: string, part: TemplatePart, body: string): Promise<B.TemplateView[]> {
  return list(() => commands.templateSave(channel, language, part, body));
}

/** Back to the shipped text: one part, or the whole channel+language when `part` is absent. */
export function templateReset(channel: Channel, language: string, part?: TemplatePart): Promise<B.TemplateView[]> {
  return list(() => commands.templateReset(channel, language, part ?? null));
}

/** The message filled in with sample values; `draft` is the part being edited, unsaved. */
export function templatePreview(channel: Channel, language: string, draft?: B.Draft): Promise<Preview> {
  return call(() => commands.templatePreview(channel, language, draft ?? null));
}

export function staffList(): Promise<B.StaffView_Serialize[]> {
  return list(() => commands.staffList(), isStaffView);
}

export function staffAdd(input: B.NewStaff): Promise<B.StaffView_Serialize> {
  return call(() => commands.staffAdd(input));
}

export function staffSetActive(userId: string, active: boolean): Promise<B.StaffView_Serialize> {
  return call(() => commands.staffSetActive(userId, active));
}

export function staffSetRole(userId: string, role: B.Role): Promise<B.StaffView_Serialize> {
  return call(() => commands.staffSetRole(userId, role));
}

export function staffResetPassword(userId: string, password: string): Promise<B.StaffView_Serialize> {
  return call(() => commands.staffResetPassword(userId, password));
}

/** Lifts an account's wait or block after wrong passwords. */
export function staffUnlock(userId: string): Promise<B.StaffView_Serialize> {
  return checked(() => commands.staffUnlock(userId), isStaffView);
}

/** A new recovery code (the old one stops working), to be shown once. */
export function recoveryCodeNew(): Promise<string> {
  return checked(() => commands.recoveryCodeNew(), (v) => typeof v === 'string' && v !== '');
}

/** The sync screen's settings, whether a password is saved, and this desk's device id. */
export function syncSetupGet(): Promise<SyncSetup> {
  return checked(() => commands.syncSetupGet(), isSyncSetup);
}

/**
 * Saves the sync settings; a typed password goes to the keyring (`password: null` keeps the
 * saved one). A new server, port, database or role needs the password typed again.
 */
export function syncSetupSave(input: SyncInput): Promise<SyncSetup> {
  return checked(() => commands.syncSetupSave(input), isSyncSetup);
}

/** Tries the connection with the form (the saved password when none is typed); saves nothing. */
export function syncTest(input: SyncInput): Promise<string> {
  return checked(() => commands.syncTest(input), (v) => typeof v === 'string');
}

/** Clinic rows the desk couldn't read in full. */
export function syncUnreadable(): Promise<Unreadable[]> {
  return list(() => commands.syncUnreadable(), isUnreadable);
}

export function syncRoleMapGet(): Promise<RoleMapping[]> {
  return list(() => commands.syncRoleMapGet(), isRoleMapping);
}

/** Replaces the role map; returns it as saved. The next pull applies it. */
export function syncRoleMapSave(map: RoleMapping[]): Promise<RoleMapping[]> {
  return list(() => commands.syncRoleMapSave(map), isRoleMapping);
}

/** After a fork (a desk restored from a backup): a new device id; the desk then restarts. */
export function syncNewDevice(): Promise<string> {
  return checked(() => commands.syncNewDevice(), (v) => typeof v === 'string' && v !== '');
}

/** Contacts corrected at a desk while the clinic changed them too, waiting for an admin. */
export function syncConflicts(): Promise<ContactConflict[]> {
  return list(() => commands.syncConflicts(), isContactConflict);
}

/**
 * Settles one conflict: `desk` sends the desk's value to the clinic at the next sync, `clinic`
 * takes the clinic's value on this desk. Returns the conflicts still waiting.
 */
export function syncConflictResolve(eventId: string, keep: B.Settle): Promise<ContactConflict[]> {
  return list(() => commands.syncConflictResolve(eventId, keep), isContactConflict);
}

/** Walk-ins no clinic record matched, each with the clinic person it may be (to check). */
export function syncWalkins(): Promise<WalkIn[]> {
  return list(() => commands.syncWalkins(), isWalkIn);
}

export function auditSearch(filter: AuditFilter): Promise<AuditEvent[]> {
  return list(() => commands.auditSearch(filter), isAuditEvent);
}

/** Writes the filtered log as CSV to the Downloads folder; returns the file's path. */
export function auditExport(filter: AuditFilter): Promise<string> {
  return call(() => commands.auditExport(filter));
}

/**
 * Checks the whole audit chain. `onProgress` hears how far it has got, a few times a second,
 * through a Tauri channel (Rust reads its own snapshot, so the desk stays usable meanwhile).
 */
export function auditChainCheck(onProgress: (progress: B.CheckProgress) => void): Promise<ChainReport> {
  const channel = new IpcChannel<B.CheckProgress>();
  channel.onmessage = (p) => {
    if (isRecord(p) && typeof p.done === 'number' && typeof p.total === 'number') onProgress(p);
  };
  return checked(() => commands.auditChainCheck(channel), isChainReport);
}

/** Where backups go, how many are kept, and the backups there, newest first. */
export function backupsList(): Promise<Backups> {
  return checked(() => commands.backupsList(), isBackups);
}

/** A consistent copy of the database now (a second or more on a big desk). */
export function backupNow(): Promise<BackupInfo> {
  return checked(() => commands.backupNow(), isBackupInfo);
}

/**
 * Restores the named backup (a copy of today's data is made first). Rust checks it and refuses in
 * words; on success the app restarts by itself within a moment, into the sign-in screen.
 */
export async function backupRestore(name: string): Promise<void> {
  await call(() => commands.backupRestore(name));
}

/** After a restart from a restore: what happened and what the admin must do; null otherwise. */
export async function restoreReport(): Promise<RestoreReport | null> {
  const report = await checked(() => commands.restoreReport(), (v) => v === null || v === undefined || isRestoreReport(v));
  return report ?? null;
}

/** The admin has read the restore report: it is not shown again. */
export async function restoreReportDismiss(): Promise<void> {
  await call(() => commands.restoreReportDismiss());
}

/**
 * The first screen has a field with focus: the desk logs how long start-up took (once per run).
 * Best effort: nothing depends on it, so a failure is ignored.
 */
export function startupReady(screen: B.FirstScreen): void {
  commands.startupReady(screen).catch(() => undefined);
}
