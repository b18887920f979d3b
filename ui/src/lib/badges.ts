// What each contact's state looks like: always words + colour + icon, never colour alone.
import type { Channel, CodeType, ContactStatus } from './api';
import { formatDateTime, formatTime } from './time';

export type BadgeTone = 'ok' | 'neutral' | 'info' | 'warning' | 'problem' | 'muted';

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
        detail: status.invalidatedAt
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
