// The only module that talks to the Rust side. Every other file imports the
// typed functions below; nothing else may import `@tauri-apps/api`.
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { isSessionEnd } from './session';

/** Every command rejects with this shape. `message` is plain words, shown as-is. */
export type ApiError = { code: string; message: string };

export type KeyringState = 'ok' | 'unavailable' | 'locked' | 'error';

export type KeyringStatus = {
  state: KeyringState;
  message: string;
  backend: string;
};

export type AppStatus = {
  appName: string;
  version: string;
  databasePath: string;
  logDir: string;
  schemaVersion: number;
  migrationsOk: boolean;
  migrationsApplied: number;
  keyring: KeyringStatus;
};

/** Error codes `app_status` may reject with; each means the desk could not start. */
export type StartupErrorCode =
  | 'database_too_new'
  | 'database_unavailable'
  | 'storage_unavailable'
  | 'not_ready'
  | 'internal';

export const INTERNAL_ERROR_MESSAGE =
  'The desk could not do that. Try again; if it keeps happening, ask your administrator.';

const KEYRING_STATES: readonly string[] = ['ok', 'unavailable', 'locked', 'error'];

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

function isAppStatus(value: unknown): value is AppStatus {
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

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    const error = toApiError(e);
    if (isSessionEnd(error)) sessionEndHandler?.(error);
    throw error;
  }
}

/**
 * `app_status`: what the desk needs to know at start. Rejects with an ApiError
 * when the desk could not start; a reply of the wrong shape is treated as
 * `internal` rather than drawn half-broken.
 */
export async function appStatus(): Promise<AppStatus> {
  const status = await call<unknown>('app_status');
  if (!isAppStatus(status)) {
    throw { code: 'internal', message: INTERNAL_ERROR_MESSAGE } satisfies ApiError;
  }
  return status;
}

// ---------------------------------------------------------------------------
// People, verification, delivery. Shapes mirror desk-core's serde output
// (camelCase fields; `settings_get` alone keeps snake_case keys).

export type CodeType = 'phone' | 'email';
export type Channel = 'whatsapp' | 'sms' | 'email';
export type EntityType = 'staff' | 'patient';

export type ContactStatus =
  | { state: 'missing' }
  | { state: 'notVerified'; invalidatedAt: string | null }
  | {
      state: 'verified';
      verifiedAt: string;
      verifiedBy: string | null;
      channel: string | null;
      validUntil: string | null;
    }
  | { state: 'expired'; verifiedAt: string; expiredAt: string }
  | {
      state: 'codeSent';
      channel: Channel;
      targetMasked: string;
      sentAt: string;
      expiresAt: string;
      attemptsLeft: number;
      resendAvailableAt: string;
    }
  | { state: 'codeDead'; reason: 'too_many_tries' | 'expired' | string; resendAvailableAt: string };

export type PersonSummary = {
  userId: string;
  displayName: string;
  entityType: EntityType | string;
  phoneMasked: string | null;
  emailMasked: string | null;
  phoneStatus: ContactStatus;
  emailStatus: ContactStatus;
};

export type PersonView = PersonSummary & {
  phone: string | null;
  email: string | null;
  preferredLanguage: string | null;
};

export type PersonInput = {
  displayName: string;
  entityType?: EntityType;
  phone?: string;
  email?: string;
  preferredLanguage?: string;
};

export type Started = {
  userId: string;
  codeType: CodeType;
  channel: Channel;
  targetMasked: string;
  sentAt: string;
  expiresAt: string;
  attemptsLeft: number;
  codeLength: number;
  resendAvailableAt: string;
  outboxId: number;
};

export type CheckResult = {
  verified: { userId: string; codeType: CodeType; verifiedAt: string; targetMasked: string };
  person: PersonView;
};

export type EditResult = { person: PersonView; outcome: { invalidated: CodeType[] } };

export type DeliveryStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed'
  | 'undelivered'
  | 'cancelled'
  | 'unknown'
  | 'expired';

export type DeliveryUpdate = {
  outboxId: number;
  userId: string;
  codeType: CodeType;
  channel: Channel;
  status: DeliveryStatus;
  /** Plain words to show, when the Rust side has something to say. */
  message: string | null;
  fallbackOutboxId: number | null;
  fallbackChannel: Channel | null;
  offline: boolean;
  demo: boolean;
};

export type DemoMessage = {
  outboxId: number;
  at: string;
  channel: Channel;
  toMasked: string;
  subject: string | null;
  text: string;
};

export type OutboxEntry = {
  id: number;
  userId: string;
  displayName: string;
  codeType: CodeType | string;
  channel: Channel | string;
  targetMasked: string;
  status: DeliveryStatus | string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
};

export type CredentialsView = {
  gmailConfigured: boolean;
  gmailAddress: string;
  smtpHost: string;
  smtpPort: number;
  twilioConfigured: boolean;
  whatsappFrom: string;
  smsFrom: string;
  messagingServiceSid: string;
  contentSid: string;
  keyringProblem: string | null;
};

export type Health = {
  keyring: KeyringStatus;
  credentials: CredentialsView;
  demoMode: boolean;
  /** Channels the desk can send on now; null in demo mode (all of them). */
  usableChannels: Channel[] | null;
  gmail: { sent24h: number; limit: number; warn: boolean; pausedUntil: string | null };
  lastTests: TestResult[];
  queued: number;
  waitingOffline: number;
  lastErrors: RecentError[];
};

export type Provider = 'gmail' | 'twilio_whatsapp' | 'twilio_sms';

export type TestResult = { provider: Provider | string; ok: boolean; message: string; testedAt: string };

export type RecentError = {
  at: string;
  channel: string | null;
  code: string | null;
  outcome: string;
  /** What the admin should fix, when it is theirs to fix. */
  adminMessage?: string | null;
};

/** `settings_get` keeps the clinic system's snake_case names. Only what the desk screen reads is typed. */
export type Settings = {
  clinic_name: string;
  otp_length: number;
  otp_expiry_minutes: number;
  max_otp_attempts: number;
  resend_cooldown_seconds: number;
  channel_order: Channel[];
  default_language: string;
  [key: string]: unknown;
};

export type DeskEvent = Record<string, unknown>;

function malformed(): ApiError {
  return { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
}

async function callArray<T>(command: string, args?: InvokeArgs): Promise<T[]> {
  const value = await call<unknown>(command, args);
  if (!Array.isArray(value)) throw malformed();
  return value as T[];
}

async function callRecord<T>(command: string, args?: InvokeArgs): Promise<T> {
  const value = await call<unknown>(command, args);
  if (!isRecord(value)) throw malformed();
  return value as T;
}

export function peopleSearch(query: string): Promise<PersonSummary[]> {
  return callArray<PersonSummary>('people_search', { query });
}

export function personGet(userId: string): Promise<PersonView> {
  return callRecord<PersonView>('person_get', { userId });
}

export function personAdd(input: PersonInput): Promise<PersonView> {
  return callRecord<PersonView>('person_add', { input });
}

export function personUpdate(userId: string, input: PersonInput): Promise<EditResult> {
  return callRecord<EditResult>('person_update', { userId, input });
}

/** Fills an empty desk with sample people; returns how many were added. */
export async function sampleDataLoad(): Promise<number> {
  const n = await call<unknown>('sample_data_load', {});
  return typeof n === 'number' ? n : 0;
}

export function verificationStart(userId: string, channel: Channel, consent: boolean): Promise<Started> {
  return callRecord<Started>('verification_start', { userId, channel, consent });
}

export function verificationCheck(userId: string, codeType: CodeType, code: string): Promise<CheckResult> {
  return callRecord<CheckResult>('verification_check', { userId, codeType, code });
}

export function personEvents(userId: string): Promise<DeskEvent[]> {
  return callArray<DeskEvent>('person_events', { userId });
}

const CHANNELS: readonly string[] = ['whatsapp', 'sms', 'email'];

/** Settings with every key the desk screen reads present and of the right type. */
export async function settingsGet(): Promise<Settings> {
  return normaliseSettings(await callRecord<Record<string, unknown>>('settings_get', {}));
}

function normaliseSettings(raw: Record<string, unknown>): Settings {
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const order = Array.isArray(raw.channel_order)
    ? raw.channel_order.filter((c): c is Channel => typeof c === 'string' && CHANNELS.includes(c))
    : [];
  return {
    ...raw,
    clinic_name: typeof raw.clinic_name === 'string' ? raw.clinic_name : '',
    otp_length: num(raw.otp_length, 6),
    otp_expiry_minutes: num(raw.otp_expiry_minutes, 10),
    max_otp_attempts: num(raw.max_otp_attempts, 3),
    resend_cooldown_seconds: num(raw.resend_cooldown_seconds, 30),
    channel_order: order.length > 0 ? order : ['whatsapp', 'sms'],
    default_language: typeof raw.default_language === 'string' ? raw.default_language : 'en',
  };
}

function isHealth(value: unknown): value is Health {
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
    typeof value.waitingOffline === 'number'
  );
}

export async function deliveryHealth(): Promise<Health> {
  const health = await call<unknown>('delivery_health', {});
  if (!isHealth(health)) throw malformed();
  return health;
}

export function outboxList(userId?: string): Promise<OutboxEntry[]> {
  return callArray<OutboxEntry>('outbox_list', userId === undefined ? {} : { userId });
}

export function demoOutbox(): Promise<DemoMessage[]> {
  return callArray<DemoMessage>('demo_outbox', {});
}

export function credentialsGet(): Promise<CredentialsView> {
  return callRecord<CredentialsView>('credentials_get', {});
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

// ---------------------------------------------------------------------------
// Start-up and sign-in (open: no session needed).

export type Role = 'admin' | 'reception';

/** The signed-in staff member at this desk. */
export type Session = {
  userId: string;
  displayName: string;
  role: Role | string;
  signedInAt: string;
};

export type SetupStatus = {
  needsFirstAdmin: boolean;
  /** People on this desk: 0 means the desk is empty. */
  peopleCount: number;
  clinicName: string;
  idleLockMinutes: number;
};

export type StaffView = {
  userId: string;
  displayName: string;
  role: Role | string;
  isActive: boolean;
  locked: boolean;
  lastLogin: string | null;
  source: string;
};

export type NewStaff = { userId: string; displayName: string; role: Role; password: string };

function isSession(value: unknown): value is Session {
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    typeof value.displayName === 'string' &&
    typeof value.role === 'string' &&
    typeof value.signedInAt === 'string'
  );
}

function isSetupStatus(value: unknown): value is SetupStatus {
  return (
    isRecord(value) &&
    typeof value.needsFirstAdmin === 'boolean' &&
    typeof value.peopleCount === 'number' &&
    typeof value.clinicName === 'string' &&
    typeof value.idleLockMinutes === 'number'
  );
}

function isStaffView(value: unknown): value is StaffView {
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    typeof value.displayName === 'string' &&
    typeof value.role === 'string' &&
    typeof value.isActive === 'boolean' &&
    typeof value.locked === 'boolean'
  );
}

async function callChecked<T>(command: string, args: InvokeArgs, check: (v: unknown) => v is T): Promise<T> {
  const value = await call<unknown>(command, args);
  if (!check(value)) throw malformed();
  return value;
}

async function callList<T>(command: string, args: InvokeArgs, check: (v: unknown) => v is T): Promise<T[]> {
  const value = await call<unknown>(command, args);
  if (!Array.isArray(value) || !value.every(check)) throw malformed();
  return value;
}

/** `setup_status`: first start or not, how many people, the clinic's name, the idle-lock time. */
export function setupStatus(): Promise<SetupStatus> {
  return callChecked('setup_status', {}, isSetupStatus);
}

/** First start only: names the clinic and creates its first administrator. */
export function setupFirstAdmin(
  clinicName: string,
  admin: { userId: string; displayName: string; password: string },
): Promise<StaffView> {
  return callChecked(
    'setup_first_admin',
    { input: { clinicName, admin: { userId: admin.userId, displayName: admin.displayName, role: 'admin', password: admin.password } } },
    isStaffView,
  );
}

/** Signs a staff member in. The password goes straight to Rust and is kept nowhere here. */
export function signIn(userId: string, password: string): Promise<Session> {
  return callChecked('sign_in', { userId, password }, isSession);
}

export async function signOut(): Promise<void> {
  await call<unknown>('sign_out', {});
}

/** Who is signed in (does not count as activity), or null. */
export async function sessionCurrent(): Promise<Session | null> {
  const value = await call<unknown>('session_current', {});
  if (value === null || value === undefined) return null;
  if (!isSession(value)) throw malformed();
  return value;
}

// ---------------------------------------------------------------------------
// Administration (admin only; Rust checks the role whatever the UI shows).

/** A settings change: snake_case names, only the keys that changed. */
export type SettingsPatch = Record<string, string | number | boolean | string[]>;

/** Changes settings, all or nothing; returns all settings as they now stand. */
export async function settingsUpdate(patch: SettingsPatch): Promise<Settings> {
  return normaliseSettings(await callRecord<Record<string, unknown>>('settings_update', { patch }));
}

export type SmtpTls = 'starttls' | 'tls';

export type GmailInput = {
  address: string;
  appPassword: string;
  fromName?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpTls?: SmtpTls;
};

export type TwilioInput = {
  accountSid: string;
  authToken: string;
  whatsappFrom?: string;
  smsFrom?: string;
  messagingServiceSid?: string;
  contentSid?: string;
  baseUrl?: string;
};

function isCredentialsView(value: unknown): value is CredentialsView {
  return (
    isRecord(value) &&
    typeof value.gmailConfigured === 'boolean' &&
    typeof value.twilioConfigured === 'boolean' &&
    typeof value.gmailAddress === 'string'
  );
}

export function credentialsSaveGmail(input: GmailInput): Promise<CredentialsView> {
  return callChecked('credentials_save_gmail', { input }, isCredentialsView);
}

export function credentialsSaveTwilio(input: TwilioInput): Promise<CredentialsView> {
  return callChecked('credentials_save_twilio', { input }, isCredentialsView);
}

export function credentialsDelete(provider: Provider): Promise<CredentialsView> {
  return callChecked('credentials_delete', { provider }, isCredentialsView);
}

function isTestResult(value: unknown): value is TestResult {
  return isRecord(value) && typeof value.ok === 'boolean' && typeof value.message === 'string';
}

/** Sends a real test message; `{ok, message}` is the provider's answer in plain words. */
export function credentialsTest(provider: Provider, to: string): Promise<TestResult> {
  return callChecked('credentials_test', { provider, to }, isTestResult);
}

export type TemplatePart = 'subject' | 'text' | 'html' | 'body';

export type TemplateView = {
  channel: Channel;
  language: string;
  part: TemplatePart;
  body: string;
  isDefault: boolean;
  defaultBody: string;
};

export type SmsInfo = { encoding: string; characters: number; segments: number; perSegment?: number };

export type Preview = { subject: string | null; text: string; html: string | null; sms: SmsInfo | null };

function isTemplateView(value: unknown): value is TemplateView {
  return (
    isRecord(value) &&
    typeof value.part === 'string' &&
    typeof value.body === 'string' &&
    typeof value.isDefault === 'boolean' &&
    typeof value.defaultBody === 'string'
  );
}

function isPreview(value: unknown): value is Preview {
  if (!isRecord(value) || typeof value.text !== 'string') return false;
  const sms = value.sms;
  return (
    (value.subject === null || value.subject === undefined || typeof value.subject === 'string') &&
    (value.html === null || value.html === undefined || typeof value.html === 'string') &&
    (sms === null ||
      sms === undefined ||
      (isRecord(sms) &&
        typeof sms.encoding === 'string' &&
        typeof sms.characters === 'number' &&
        typeof sms.segments === 'number'))
  );
}

export function templatesList(channel: Channel, language: string): Promise<TemplateView[]> {
  return callList('templates_list', { channel, language }, isTemplateView);
}

export function templateSave(channel: Channel, language: string, part: TemplatePart, body: string): Promise<TemplateView[]> {
  return callList('template_save', { channel, language, part, body }, isTemplateView);
}

/** Back to the shipped text: one part, or the whole channel+language when `part` is absent. */
export function templateReset(channel: Channel, language: string, part?: TemplatePart): Promise<TemplateView[]> {
  return callList('template_reset', part === undefined ? { channel, language } : { channel, language, part }, isTemplateView);
}

/** The message filled in with sample values; `draft` is the part being edited, unsaved. */
export async function templatePreview(
  channel: Channel,
  language: string,
  draft?: { part: TemplatePart; body: string },
): Promise<Preview> {
  const p = await callChecked(
    'template_preview',
    draft === undefined ? { channel, language } : { channel, language, draft },
    isPreview,
  );
  return { subject: p.subject ?? null, text: p.text, html: p.html ?? null, sms: p.sms ?? null };
}

export function staffList(): Promise<StaffView[]> {
  return callList('staff_list', {}, isStaffView);
}

export function staffAdd(input: NewStaff): Promise<StaffView> {
  return callChecked('staff_add', { input }, isStaffView);
}

export function staffSetActive(userId: string, active: boolean): Promise<StaffView> {
  return callChecked('staff_set_active', { userId, active }, isStaffView);
}

export function staffSetRole(userId: string, role: Role): Promise<StaffView> {
  return callChecked('staff_set_role', { userId, role }, isStaffView);
}

export function staffResetPassword(userId: string, password: string): Promise<StaffView> {
  return callChecked('staff_reset_password', { userId, password }, isStaffView);
}

/** Audit filters; absent keys match everything. Dates are YYYY-MM-DD (inclusive). */
export type AuditFilter = {
  userId?: string;
  actor?: string;
  channel?: string;
  outcome?: string;
  kind?: string;
  from?: string;
  to?: string;
};

/** One row of the event log, as the audit screen shows it. */
export type AuditEvent = {
  eventId: string;
  deviceId: string;
  seq: number;
  occurredAt: string;
  userId: string;
  codeType: string | null;
  kind: string;
  actor: string;
  channel: string | null;
  targetMasked: string | null;
  outcome: string;
  errorCode: string | null;
};

function isAuditEvent(value: unknown): value is AuditEvent {
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

export function auditSearch(filter: AuditFilter): Promise<AuditEvent[]> {
  return callList('audit_search', { filter }, isAuditEvent);
}

/** Writes the filtered log as CSV to the Downloads folder; returns the file's path. */
export async function auditExport(filter: AuditFilter): Promise<string> {
  const path = await call<unknown>('audit_export', { filter });
  if (typeof path !== 'string') throw malformed();
  return path;
}
