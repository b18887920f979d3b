// The admin's "Outbox & health" words: Gmail's count, providers, tests, errors.
import type { Health } from './api';
import { formatDateTime, formatTime } from './time';

export function providerLabel(provider: string): string {
  switch (provider) {
    case 'gmail':
      return 'Gmail';
    case 'twilio_whatsapp':
      return 'WhatsApp (Twilio)';
    case 'twilio_sms':
      return 'SMS (Twilio)';
    default:
      return provider;
  }
}

/** A time from Rust: an ISO timestamp becomes local "10:32"; "14:05" (already local) stays. */
export function clockWords(value: string, timeZone?: string): string {
  return /^\d{1,2}:\d{2}$/.test(value.trim()) ? value.trim() : formatTime(value, timeZone) || value;
}

/** "123 of 500 sent in the last 24 hours". */
export function gmailUsageWords(g: Health['gmail']): string {
  return `${g.sent24h.toLocaleString('en-IN')} of ${g.limit.toLocaleString('en-IN')} sent in the last 24 hours`;
}

export function gmailPausedWords(pausedUntil: string, timeZone?: string): string {
  return `Gmail's daily limit is used up: email is paused until ${clockWords(pausedUntil, timeZone)}.`;
}

export function keyringWords(k: Health['keyring']): string {
  if (k.state === 'ok') return `Keyring: working${k.backend ? ` (${k.backend})` : ''}`;
  const why = k.message.trim();
  return `Keyring: ${k.state}${why ? `. ${why}` : ''}`;
}

/** Said on the health view when the code key lives only in memory. */
export const TEMPORARY_PEPPER_WORDS =
  "The desk couldn't read its code key from the keyring when it started, so the key is only in memory: codes sent now can't be checked after a restart. Unlock the keyring and restart the desk.";

/** "Settings below the security floor" heading words, with how many. */
export function floorHeading(count: number): string {
  return count === 1 ? '1 setting is below the security floor' : `${count} settings are below the security floor`;
}

/** "24 Nov 2026, 10:32" or the text as given if it is not a timestamp. */
export function whenWords(iso: string, timeZone?: string): string {
  return formatDateTime(iso, timeZone) || iso;
}

export type StatusTone = 'ok' | 'info' | 'warning' | 'problem' | 'neutral';

/** A short label for an outbox row's status, with its tone (the label carries the meaning). */
export function outboxStatus(status: string): { label: string; tone: StatusTone } {
  switch (status) {
    case 'queued':
      return { label: 'Waiting to send', tone: 'info' };
    case 'sending':
      return { label: 'Sending', tone: 'info' };
    case 'sent':
      return { label: 'Sent', tone: 'info' };
    case 'delivered':
      return { label: 'Delivered', tone: 'ok' };
    case 'read':
      return { label: 'Read', tone: 'ok' };
    case 'failed':
      return { label: 'Failed', tone: 'problem' };
    case 'undelivered':
      return { label: 'Not delivered', tone: 'problem' };
    case 'expired':
      return { label: 'Expired', tone: 'warning' };
    case 'cancelled':
      return { label: 'Cancelled', tone: 'neutral' };
    default:
      return { label: status ? status.charAt(0).toUpperCase() + status.slice(1).replace(/_/g, ' ') : 'Unknown', tone: 'neutral' };
  }
}
