// What each contact's state looks like: always words + colour + icon, never colour alone.
import type { Channel, CodeType, ContactStatus, Due } from './api';
import { formatDate, formatDateTime, formatTime } from './time';

/** `practice`: demo mode's "code typed right" — never green, never read as verified. */
export type BadgeTone = 'ok' | 'neutral' | 'info' | 'warning' | 'problem' | 'muted' | 'practice';

export type Badge = {
  label: string;
  tone: BadgeTone;
  /** Decorative; the label says the same thing. */
  icon: string;
  /** When and by whom, for hover/focus and the person panel ("Verified on …"). */
  detail: string;
};

export function channelLabel(channel: Channel | string | null | undefined): string {
  switch (channel) {
    case 'whatsapp':
      return 'WhatsApp';
    case 'sms':
      return 'SMS';
    case 'email':
      return 'email';
    default:
      return '';
  }
}

/** "Verified on 24 Nov 2026, 10:32 by reception" (the "by" part only when known). */
export function verifiedLine(verifiedAt: string, verifiedBy: string | null, timeZone?: string): string {
  const by = verifiedBy && verifiedBy.trim() !== '' ? ` by ${verifiedBy.trim()}` : '';
  return `Verified on ${formatDateTime(verifiedAt, timeZone)}${by}`;
}

/** What a practice badge means, in full. */
export const PRACTICE_WORDS =
  'Practice only — not verified. The code was shown on screen in demo mode, so nothing was proven.';

/** When policy needs a contact verified by: "Due by 1 Dec 2026", or marked overdue. */
export type DueMark = { text: string; overdue: boolean };

/** The due date of a contact that still needs verifying, or null when none is set. */
export function dueOf(status: ContactStatus): Due | null {
  switch (status.state) {
    case 'notVerified':
    case 'expired':
    case 'practice':
      return status.due ?? null;
    default:
      return null;
  }
}

/** "Due by 1 Dec 2026" / "Overdue — was due by 1 Dec 2026"; null when the contact has no due date. */
export function dueMark(status: ContactStatus, timeZone?: string): DueMark | null {
  const due = dueOf(status);
  if (!due) return null;
  const date = formatDate(due.by, timeZone) || due.by;
  return due.overdue ? { text: `Overdue — was due by ${date}`, overdue: true } : { text: `Due by ${date}`, overdue: false };
}

/** True when either contact of a person is past its due date. */
export function anyOverdue(person: { phoneStatus: ContactStatus; emailStatus: ContactStatus }): boolean {
  return dueOf(person.phoneStatus)?.overdue === true || dueOf(person.emailStatus)?.overdue === true;
}

/** The badge for one contact. `kind` decides "No phone" vs "No email". */
export function contactBadge(status: ContactStatus, kind: CodeType, timeZone?: string): Badge {
  switch (status.state) {
    case 'missing':
      return {
        label: kind === 'phone' ? 'No phone' : 'No email',
        tone: 'muted',
        icon: '–',
        detail: kind === 'phone' ? 'No mobile number on record.' : 'No email address on record.',
      };
    case 'notVerified':
      return {
        label: 'Not verified',
        tone: 'neutral',
        icon: '○',
        detail: status.changedBy === 'clinic' && status.invalidatedAt
          ? `Not verified. The ${kind === 'phone' ? 'number' : 'email address'} changed in the clinic system on ${formatDateTime(status.invalidatedAt, timeZone)}: verify again.`
          : status.invalidatedAt
            ? `Not verified. The contact changed on ${formatDateTime(status.invalidatedAt, timeZone)}.`
            : 'Not verified yet.',
      };
    case 'verified': {
      const until = status.validUntil ? ` Valid until ${formatDateTime(status.validUntil, timeZone)}.` : '';
      return {
        label: 'Verified',
        tone: 'ok',
        icon: '✓',
        detail: `${verifiedLine(status.verifiedAt, status.verifiedBy, timeZone)}.${until}`,
      };
    }
    case 'expired':
      return {
        label: 'Expired — verify again',
        tone: 'warning',
        icon: '!',
        detail: `${verifiedLine(status.verifiedAt, null, timeZone)}; expired on ${formatDateTime(status.expiredAt, timeZone)}.`,
      };
    case 'practice':
      return {
        label: 'Practice only',
        tone: 'practice',
        icon: '◌',
        detail: `${PRACTICE_WORDS} Practised on ${formatDateTime(status.practicedAt, timeZone)}.`,
      };
    case 'codeSent':
      return {
        label: 'Code sent',
        tone: 'info',
        icon: '◷',
        detail: `Code sent by ${channelLabel(status.channel)} to ${status.targetMasked} at ${formatTime(status.sentAt, timeZone)}.`,
      };
    case 'codeDead':
      return {
        label: 'Failed',
        tone: 'problem',
        icon: '✕',
        detail:
          status.reason === 'expired'
            ? 'The code expired. Send a new one.'
            : "This code can't be used any more. Send a new one.",
      };
  }
}
