// The audit screen: filters as typed → the filter `audit_search` receives; words for rows.
import type { AuditFilter, ChainReport, CheckProgress, EventDetail, EventKind, Outcome } from './api';
import { SETTINGS } from './bindings';
import { formatDateTime } from './time';

/** The filter form, as typed (all strings; empty = any). */
export type AuditForm = {
  userId: string;
  actor: string;
  channel: string;
  outcome: string;
  kind: string;
  from: string;
  to: string;
};

export function emptyAuditForm(): AuditForm {
  return { userId: '', actor: '', channel: '', outcome: '', kind: '', from: '', to: '' };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(d: string): boolean {
  if (!DATE.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

/** Only what was filled in, trimmed. */
export function buildAuditFilter(form: AuditForm): AuditFilter {
  const filter: AuditFilter = {};
  for (const key of Object.keys(form) as (keyof AuditForm)[]) {
    const v = form[key].trim();
    if (v !== '') filter[key] = v;
  }
  return filter;
}

/** What is wrong with the dates, or null. */
export function auditFormProblem(form: AuditForm): string | null {
  const from = form.from.trim();
  const to = form.to.trim();
  if (from && !validDate(from)) return 'Type the “From” date as year-month-day, like 2026-11-24.';
  if (to && !validDate(to)) return 'Type the “To” date as year-month-day, like 2026-11-24.';
  if (from && to && from > to) return 'The “From” date is after the “To” date. Swap them.';
  return null;
}

/**
 * A label for every kind of event the Rust side writes (`EventKind`): a kind added there and not
 * here fails the type check, so the filter always offers them all.
 */
const KIND_LABELS = {
  issued: 'Code issued',
  sent: 'Sent',
  delivery_status: 'Delivery update',
  verified: 'Verified',
  wrong_code: 'Wrong code',
  locked: 'Locked',
  expired: 'Expired',
  invalidated: 'Contact changed',
  overridden: 'Overridden',
  send_refused: 'Send refused',
  practised: 'Practised (demo mode)',
  sign_in: 'Sign-in',
  sign_out: 'Sign-out',
  idle_lock: 'Locked when idle',
  account_unlocked: 'Account unlocked',
  recovery_code_made: 'Recovery code made',
  recovery_code_used: 'Recovery code used',
  settings_changed: 'Settings changed',
  credentials_saved: 'Credentials saved',
  credentials_removed: 'Credentials removed',
  credentials_tested: 'Credentials tested',
  template_saved: 'Template saved',
  template_reset: 'Template reset',
  staff_added: 'Staff added',
  staff_role_changed: 'Staff role changed',
  staff_active_changed: 'Staff switched on or off',
  password_reset: 'Password reset',
  sample_data_loaded: 'Sample data loaded',
  person_added: 'Person added',
  contact_edited: 'Contact edited',
  person_merged: 'Walk-in merged with the clinic record',
  contact_replaced: 'Contact replaced (for the clinic)',
  contact_corrected: 'Contact corrected (for the clinic)',
  contact_conflict_closed: 'Contact conflict settled',
  audit_exported: 'Audit exported',
  consent_given: 'Consent given',
  consent_withdrawn: 'Consent withdrawn',
  admin_command: 'Admin command',
  backup_made: 'Backup made',
  backup_restored: 'Restored from a backup',
} as const satisfies Record<EventKind, string>;

/** How each outcome reads, for every value of Rust's `Outcome`. */
const OUTCOME_LABELS = {
  queued: 'Queued',
  refused: 'Refused',
  accepted: 'Accepted by the provider',
  demo: 'Demo outbox (not sent)',
  offline: 'Waiting (offline)',
  retrying: 'Retrying',
  fallback: 'Fell back to the next channel',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
  undelivered: 'Undelivered',
  cancelled: 'Cancelled',
  unknown: 'Unknown',
  expired_unsent: 'Expired before sending',
  expired: 'Expired',
  wrong_code: 'Wrong code',
  verified: 'Verified',
  contact_changed: 'Contact changed',
  practice: 'Practice only (demo mode)',
  done: 'Done',
} as const satisfies Record<Outcome, string>;

function options<K extends string>(labels: Record<K, string>): readonly { value: K; label: string }[] {
  return (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }));
}

/** Every event kind, for the "What happened" filter. */
export const EVENT_KINDS = options<EventKind>(KIND_LABELS);

/** Every outcome, as Rust records it (a provider taking a message is `accepted`). */
export const OUTCOMES = options<Outcome>(OUTCOME_LABELS);

export function kindLabel(kind: string): string {
  return EVENT_KINDS.find((k) => k.value === kind)?.label ?? kind;
}

export function outcomeLabel(outcome: string): string {
  return OUTCOMES.find((o) => o.value === outcome)?.label ?? outcome;
}

// --- An event's details ------------------------------------------------------------------------

/** One line of an event's details: "notice version: 1". */
export type DetailPart = { key: string; value: string };

function isObject(v: unknown): v is Record<string, EventDetail> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `otp_length` → "otp length". */
function keyWords(key: string): string {
  return key.replace(/_/g, ' ');
}

/** A value in a line: nested objects and lists compact, `{old, new}` as "old → new". */
export function detailValue(v: EventDetail | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v === '' ? '(blank)' : v;
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map(detailValue).join(', ');
  const keys = Object.keys(v);
  if (keys.length === 2 && 'old' in v && 'new' in v) return `${detailValue(v.old)} → ${detailValue(v.new)}`;
  return `{${keys.map((k) => `${keyWords(k)}: ${detailValue(v[k])}`).join(', ')}}`;
}

/**
 * An event's `detail` as lines to read: each key with its value. A setting's name becomes its
 * label ("Code length: 6 → 4") in `settings_changed`. Nothing for null or an empty object.
 */
export function detailParts(detail: EventDetail | null | undefined, kind?: string): DetailPart[] {
  if (detail === null || detail === undefined) return [];
  if (!isObject(detail)) return [{ key: '', value: detailValue(detail) }];
  return Object.keys(detail).map((k) => {
    const label = kind === 'settings_changed' ? SETTINGS.find((s) => s.name === k)?.label : undefined;
    return { key: label ?? keyWords(k), value: detailValue(detail[k]) };
  });
}

// --- The audit chain check --------------------------------------------------------------------

/** "Checked 1,200 of 5,000 events". */
export function chainProgressWords(p: CheckProgress): string {
  return `Checked ${p.done.toLocaleString('en-IN')} of ${p.total.toLocaleString('en-IN')} events`;
}

/** What the check found, in words: the headline, and the first break's place if there is one. */
export type ChainWords = {
  tone: 'ok' | 'problem' | 'warning';
  headline: string;
  /** Where the chain first breaks (sequence number, time, event id). */
  place: string | null;
  /** Events written under another key, if any. */
  unverifiable: string | null;
};

export function chainWords(r: ChainReport, timeZone?: string): ChainWords {
  const n = (x: number) => x.toLocaleString('en-IN');
  const unverifiable =
    r.unverifiable > 0
      ? `${r.unverifiable === 1 ? '1 event was' : `${n(r.unverifiable)} events were`} written under another key; they can't be checked here (which is not the same as broken).`
      : null;
  const brk = r.firstBreak;
  if (brk) {
    const when = formatDateTime(brk.occurredAt, timeZone) || brk.occurredAt;
    return {
      tone: 'problem',
      headline: `Broken: ${brk.message}`,
      place: `First break at event number ${n(brk.seq)} (desk ${brk.deviceId}), ${when}, event id ${brk.eventId}.`,
      unverifiable,
    };
  }
  const before = r.anchored > 0 ? ` (${n(r.anchored)} from before the chain began)` : '';
  const checked = `${n(r.checked)} ${r.checked === 1 ? 'event' : 'events'} checked${before}`;
  if (r.intact) return { tone: 'ok', headline: `Intact: ${checked}`, place: null, unverifiable };
  return { tone: 'warning', headline: `Not every event could be checked: ${checked}`, place: null, unverifiable };
}

/** "Saved to /home/…/verification-audit-….csv". */
export function exportWords(path: string): string {
  return `Saved to ${path}`;
}

/** "1 event" / "1,000 events (the most shown; narrow the filters to see older ones)". */
export function countWords(n: number, limit = 1000): string {
  const words = `${n.toLocaleString('en-IN')} ${n === 1 ? 'event' : 'events'}`;
  return n >= limit ? `${words} (the most shown at once; narrow the filters to see older ones)` : words;
}
