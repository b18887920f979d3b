import type { AppStatus, KeyringStatus } from '../lib/api';
import { defaultSettings } from '../lib/settings';
import type {
  Settings,
  Session,
  SetupStatus,
  StaffView,
  CheckResult,
  ContactStatus,
  DeliveryUpdate,
  Health,
  Notice,
  PersonSummary,
  PersonView,
  Started,
  SyncSetup,
  SyncView,
} from '../lib/api';

export function makeStatus(overrides: Partial<AppStatus> = {}, keyring: Partial<KeyringStatus> = {}): AppStatus {
  return {
    appName: 'Skinspire Verify Desk',
    version: '0.1.0',
    databasePath: '/home/desk/.local/share/skinspire-verify-desk/desk.sqlite3',
    logDir: '/home/desk/.local/share/skinspire-verify-desk/logs',
    schemaVersion: 3,
    migrationsOk: true,
    migrationsApplied: 0,
    waitingForKeyring: 0,
    temporaryPepper: null,
    ...overrides,
    keyring: {
      state: 'ok',
      message: '',
      backend: 'secret-service',
      ...keyring,
    },
  };
}

export const SENT_AT = '2026-11-24T05:02:00.000Z'; // 10:32 in India
export const EXPIRES_AT = '2026-11-24T05:12:00.000Z';
export const RESEND_AT = '2026-11-24T05:02:30.000Z';

export const NOT_VERIFIED: ContactStatus = { state: 'notVerified', invalidatedAt: null, changedBy: null, due: null };

export function makeSummary(overrides: Partial<PersonSummary> = {}): PersonSummary {
  return {
    userId: '+919876512345',
    displayName: 'Priya Raman',
    entityType: 'patient',
    phoneMasked: '+91 98••• ••345',
    emailMasked: 'p•••••@gmail.com',
    phoneStatus: NOT_VERIFIED,
    emailStatus: NOT_VERIFIED,
    ...overrides,
  };
}

export function makePerson(overrides: Partial<PersonView> = {}): PersonView {
  return {
    ...makeSummary(),
    phone: '+919876512345',
    email: 'priya.raman@gmail.com',
    preferredLanguage: 'ta',
    phoneConsent: null,
    emailConsent: null,
    ...overrides,
  };
}

export function makeStarted(overrides: Partial<Started> = {}): Started {
  return {
    userId: '+919876512345',
    codeType: 'phone',
    channel: 'whatsapp',
    targetMasked: '+91 98••• ••345',
    sentAt: SENT_AT,
    expiresAt: EXPIRES_AT,
    attemptsLeft: 3,
    codeLength: 6,
    resendAvailableAt: RESEND_AT,
    outboxId: 41,
    ...overrides,
  };
}

export function makeCheckResult(person: PersonView = makePerson()): CheckResult {
  const verifiedAt = '2026-11-24T05:03:00.000Z';
  return {
    verified: { userId: person.userId, codeType: 'phone', verifiedAt, targetMasked: '+91 98••• ••345', practice: false },
    person: {
      ...person,
      phoneStatus: { state: 'verified', verifiedAt, verifiedBy: 'reception', channel: 'whatsapp', validUntil: null },
    },
  };
}

export function makeUpdate(overrides: Partial<DeliveryUpdate> = {}): DeliveryUpdate {
  return {
    outboxId: 41,
    userId: '+919876512345',
    codeType: 'phone',
    channel: 'whatsapp',
    status: 'sent',
    message: null,
    fallbackOutboxId: null,
    fallbackChannel: null,
    offline: false,
    demo: false,
    ...overrides,
  };
}

export function makeHealth(overrides: Partial<Health> = {}): Health {
  return {
    keyring: { state: 'ok', message: '', backend: 'secret-service' },
    credentials: {
      gmailConfigured: false,
      gmailAddress: '',
      smtpHost: 'smtp.gmail.com',
      smtpPort: 465,
      twilioConfigured: false,
      whatsappFrom: '',
      smsFrom: '',
      messagingServiceSid: '',
      contentSid: '',
      keyringProblem: null,
    },
    demoMode: true,
    usableChannels: null,
    gmail: { sent24h: 0, limit: 500, warn: false, pausedUntil: null },
    lastTests: [],
    queued: 0,
    waitingOffline: 0,
    waitingForKeyring: 0,
    lastErrors: [],
    floorNotices: [],
    temporaryPepper: false,
    ...overrides,
  };
}

export function makeSetup(overrides: Partial<SetupStatus> = {}): SetupStatus {
  return {
    needsFirstAdmin: false,
    peopleCount: 12,
    clinicName: 'Skinspire Clinic, Jayanagar',
    idleLockMinutes: 5,
    ...overrides,
  };
}

export function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    userId: 'latha.k',
    displayName: 'Latha K',
    role: 'reception',
    signedInAt: '2026-11-24T04:30:00.000Z',
    ...overrides,
  };
}

export function makeAdminSession(overrides: Partial<Session> = {}): Session {
  return makeSession({ userId: 'admin', displayName: 'Dr. Meera Rao', role: 'admin', ...overrides });
}

export function makeStaff(overrides: Partial<StaffView> = {}): StaffView {
  return {
    userId: 'latha.k',
    displayName: 'Latha K',
    role: 'reception',
    isActive: true,
    locked: false,
    lastLogin: '2026-11-24T04:30:00.000Z',
    source: 'desk',
    ...overrides,
  };
}

/** Every setting as `settings_get` returns it (snake_case): the Rust's defaults, at this clinic. */
export const FULL_SETTINGS: Settings = { ...defaultSettings(), clinic_name: 'Skinspire Clinic, Jayanagar' };

/** The consent notice as `consent_notice` returns it (the Rust's English words). */
export const NOTICE: Notice = {
  version: 1,
  language: 'en',
  purpose: 'verification of this contact',
  text: 'The person agrees to receive a one-time code at this contact, used only to verify it. They can withdraw this consent at any time at the desk.',
};

/** A recovery code as Rust makes them: four groups of five. */
export const RECOVERY_CODE = 'K7QPM-3XH9T-WB2RZ-N4VEC';

/** Sync as `sync_status` answers it: not set up (no status line) unless overridden. */
export function makeSyncView(overrides: Partial<SyncView> = {}): SyncView {
  return {
    configured: false,
    running: false,
    lastOkAt: null,
    lastAttemptAt: null,
    lastError: null,
    lastErrorCode: null,
    errorSince: null,
    eventsWaiting: 0,
    clinicPeople: 0,
    unreadable: 0,
    forkedAtSeq: null,
    progress: null,
    summary: null,
    ...overrides,
  };
}

/** The sync screen's settings as `sync_setup_get` answers them: a desk set up, a password saved. */
export function makeSyncSetup(overrides: Partial<SyncSetup> = {}): SyncSetup {
  return {
    host: 'db.skinspire.local',
    port: 5432,
    database: 'skinspire',
    role: 'desk_jayanagar',
    caFile: '/etc/skinspire/clinic-ca.pem',
    intervalMinutes: 5,
    passwordSaved: true,
    deviceId: '01JD8Z3K4M5N6P7Q8R9S0T1V2W',
    ...overrides,
  };
}
