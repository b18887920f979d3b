// Words and choices for a person's contacts; what the person panel offers and where focus goes.
import type {
  ApiError,
  Channel,
  CodeType,
  ConsentView,
  ContactStatus,
  Health,
  PersonSummary,
  PersonView,
  Started,
  Verified,
} from './api';
import { channelLabel } from './badges';
import { LANGUAGES as GENERATED_LANGUAGES } from './bindings';
import { formatTime } from './time';

/** The Rust's languages, each under its own name ("हिन्दी"), as the person form offers them. */
export const LANGUAGES: readonly { code: string; label: string }[] = GENERATED_LANGUAGES.map((l) => ({
  code: l.code,
  label: l.native,
}));

export function languageLabel(code: string | null | undefined): string {
  return LANGUAGES.find((l) => l.code === code)?.label ?? '';
}

export const DEFAULT_CHANNEL_ORDER: readonly Channel[] = ['whatsapp', 'sms'];

export function contactNoun(kind: CodeType): string {
  return kind === 'phone' ? 'Mobile number' : 'Email address';
}

export function consentLabel(kind: CodeType): string {
  return kind === 'phone'
    ? 'The person agrees to receive a code at this number'
    : 'The person agrees to receive a code at this address';
}

export function sendLabel(channel: Channel): string {
  return `Send by ${channelLabel(channel)}`;
}

export const SHORTCUT_KEYS: Record<Channel, string> = { whatsapp: 'Alt+W', sms: 'Alt+S', email: 'Alt+E' };

export function codeTypeOf(channel: string): CodeType {
  return channel === 'email' ? 'email' : 'phone';
}

export function hasContact(person: PersonSummary, kind: CodeType): boolean {
  return kind === 'phone'
    ? person.phoneMasked !== null && person.phoneStatus.state !== 'missing'
    : person.emailMasked !== null && person.emailStatus.state !== 'missing';
}

/**
 * Channels this desk can send on now, as Rust works them out (health.usableChannels): `null`
 * means all of them (demo mode, or health not known yet; Rust refuses what can't go, in plain
 * words).
 */
export function configuredChannels(health: Health | null): readonly string[] | null {
  return health?.usableChannels ?? null;
}

/**
 * Channels that make sense for a contact (phone channels need a phone, email needs an email)
 * and that this desk can use (`usable`, from configuredChannels; `null` means all).
 */
export function channelsFor(
  person: PersonSummary,
  kind: CodeType,
  order: readonly string[] = DEFAULT_CHANNEL_ORDER,
  usable: readonly string[] | null = null,
): Channel[] {
  if (!hasContact(person, kind)) return [];
  const allowed = (c: Channel) => usable === null || usable.includes(c);
  if (kind === 'email') return allowed('email') ? ['email'] : [];
  const phoneOrder: Channel[] = order.filter((c): c is Channel => c === 'whatsapp' || c === 'sms');
  for (const c of DEFAULT_CHANNEL_ORDER) if (!phoneOrder.includes(c)) phoneOrder.push(c);
  return [...new Set(phoneOrder)].filter(allowed);
}

/**
 * "Not received?" choices after sending by `current`: the other phone
 * channel(s) first, then email (another contact, so it needs its own consent).
 */
export function otherChannels(
  person: PersonSummary,
  current: string,
  order: readonly string[] = DEFAULT_CHANNEL_ORDER,
  usable: readonly string[] | null = null,
): Channel[] {
  const all = [...channelsFor(person, 'phone', order, usable), ...channelsFor(person, 'email', order, usable)];
  return all.filter((c) => c !== current);
}

export function statusOf(person: PersonSummary, kind: CodeType): ContactStatus {
  return kind === 'phone' ? person.phoneStatus : person.emailStatus;
}

/**
 * How many digits a code has: the clinic's setting, unless it is below the security floor, when
 * the desk sends the floor's length instead (health's floor notice says which).
 */
export function codeLengthIn(
  settings: { otp_length?: number } | null,
  health: Pick<Health, 'floorNotices'> | null,
): number {
  const floor = health?.floorNotices?.find((n) => n.setting === 'otp_length');
  return floor?.used ?? settings?.otp_length ?? 6;
}

/** A code being typed at the desk. */
export type CodeSession = {
  codeType: CodeType;
  /** As the Rust said it (channels are open there); the UI's own three have labels and keys. */
  channel: string;
  targetMasked: string;
  sentAt: string;
  expiresAt: string;
  attemptsLeft: number;
  codeLength: number;
  resendAvailableAt: string;
  /** null when resumed from a person's state (the Rust side doesn't say which message). */
  outboxId: number | null;
};

export function sessionFromStarted(s: Started): CodeSession {
  return {
    codeType: s.codeType,
    channel: s.channel,
    targetMasked: s.targetMasked,
    sentAt: s.sentAt,
    expiresAt: s.expiresAt,
    attemptsLeft: s.attemptsLeft,
    codeLength: s.codeLength,
    resendAvailableAt: s.resendAvailableAt,
    outboxId: s.outboxId,
  };
}

/** A code already in flight when the person is opened (e.g. sent from the other desk tab earlier). */
export function sessionFromStatus(kind: CodeType, status: ContactStatus, codeLength: number): CodeSession | null {
  if (status.state !== 'codeSent') return null;
  return {
    codeType: kind,
    channel: status.channel,
    targetMasked: status.targetMasked,
    sentAt: status.sentAt,
    expiresAt: status.expiresAt,
    attemptsLeft: status.attemptsLeft,
    codeLength,
    resendAvailableAt: status.resendAvailableAt,
    outboxId: null,
  };
}

/** The badge a contact shows straight after a send (before the next read of the person). */
export function statusFromStarted(s: Started): ContactStatus {
  return {
    state: 'codeSent',
    channel: s.channel,
    targetMasked: s.targetMasked,
    sentAt: s.sentAt,
    expiresAt: s.expiresAt,
    attemptsLeft: s.attemptsLeft,
    resendAvailableAt: s.resendAvailableAt,
  };
}

export function withStatus<P extends PersonSummary>(person: P, kind: CodeType, status: ContactStatus): P {
  return kind === 'phone' ? { ...person, phoneStatus: status } : { ...person, emailStatus: status };
}

/** "Code sent by WhatsApp to +91 98••• ••345 at 10:32" */
export function sentLine(session: Pick<CodeSession, 'channel' | 'targetMasked' | 'sentAt'>, timeZone?: string): string {
  return `Code sent by ${channelLabel(session.channel)} to ${session.targetMasked} at ${formatTime(session.sentAt, timeZone)}`;
}

/** "Mobile number verified." / "Email address verified." */
export function verifiedWords(kind: CodeType): string {
  return `${contactNoun(kind)} verified.`;
}

/** A line after a check: verified (green), or practice only in demo mode (never green). */
export type CardSuccess = { text: string; practice: boolean };

/** What the card says after a right code: verified, or — in demo mode — practice only. */
export function checkedWords(kind: CodeType, verified: Pick<Verified, 'targetMasked' | 'practice'>): CardSuccess {
  if (verified.practice) {
    return {
      text: `Practice only — ${contactNoun(kind).toLowerCase()} not verified. The code was shown on screen in demo mode, so nothing was proven.`,
      practice: true,
    };
  }
  return { text: `${verifiedWords(kind)} ${verified.targetMasked}`, practice: false };
}

/** The consent on record for one of a person's contacts. */
export function consentOf(person: PersonView | null, kind: CodeType): ConsentView | null {
  if (!person) return null;
  return (kind === 'phone' ? person.phoneConsent : person.emailConsent) ?? null;
}

/** Where the keyboard goes when a person opens: the code being typed, else the first contact to verify. */
export type FirstStep = { kind: CodeType; target: 'code' | 'consent' } | null;

export function firstStep(person: PersonSummary, activeCode: CodeType | null): FirstStep {
  if (activeCode) return { kind: activeCode, target: 'code' };
  for (const kind of ['phone', 'email'] as const) {
    const s = statusOf(person, kind);
    if (s.state !== 'missing' && s.state !== 'verified') return { kind, target: 'consent' };
  }
  return null;
}

export type FormField = 'displayName' | 'phone' | 'email' | 'preferredLanguage';

/**
 * Which form field a Rust rejection is about. The Rust side gives words only
 * (no field name), so this reads the error code and the words.
 */
export function fieldForError(error: ApiError): FormField | null {
  const m = error.message.toLowerCase();
  if (error.code === 'invalid_contact') {
    if (m.includes('email')) return 'email';
    return 'phone';
  }
  if (error.code === 'invalid_input') {
    if (m.includes('name')) return 'displayName';
    if (m.includes('language')) return 'preferredLanguage';
    if (m.includes('phone number or an email')) return 'phone';
    if (m.includes('email')) return 'email';
    if (m.includes('phone') || m.includes('mobile') || m.includes('number')) return 'phone';
  }
  return null;
}

/** The warning shown while editing a verified contact. */
export function changeWarning(kind: CodeType): string {
  return kind === 'phone'
    ? 'This number is verified. Changing it means verifying it again.'
    : 'This address is verified. Changing it means verifying it again.';
}

/** After an edit that undid verifications: "The mobile number changed, so it needs verifying again." */
export function invalidatedWords(kinds: readonly CodeType[]): string | null {
  if (kinds.length === 0) return null;
  if (kinds.length === 2) return 'The mobile number and email address changed, so both need verifying again.';
  return kinds[0] === 'phone'
    ? 'The mobile number changed, so it needs verifying again.'
    : 'The email address changed, so it needs verifying again.';
}

/** Contact values compare loosely: spaces and dashes don't make a different number. */
export function sameContact(a: string | null | undefined, b: string | null | undefined): boolean {
  const n = (v: string | null | undefined) => (v ?? '').replace(/[\s\-()]/g, '').toLowerCase();
  return n(a) === n(b);
}

/** `person_get` etc. read into a summary for the search list. */
export function toSummary(p: PersonView): PersonSummary {
  return {
    userId: p.userId,
    displayName: p.displayName,
    entityType: p.entityType,
    phoneMasked: p.phoneMasked,
    emailMasked: p.emailMasked,
    phoneStatus: p.phoneStatus,
    emailStatus: p.emailStatus,
  };
}

/** The most people `needs_verifying` lists at once. */
export const NEEDS_VERIFYING_LIMIT = 200;

/** "3 people need verifying, 1 overdue. Oldest first." */
export function needsCountWords(count: number, overdue: number): string {
  if (count === 0) return 'Nobody needs verifying: every contact the clinic requires is verified.';
  const who = count === 1 ? '1 person needs verifying' : `${count.toLocaleString('en-IN')} people need verifying`;
  const late = overdue > 0 ? `, ${overdue.toLocaleString('en-IN')} overdue` : '';
  const capped = count >= NEEDS_VERIFYING_LIMIT ? ` (the oldest ${NEEDS_VERIFYING_LIMIT} shown)` : '';
  return `${who}${late}${capped}. Oldest first.`;
}
