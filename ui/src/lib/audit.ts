// The audit screen: filters as typed → the filter `audit_search` receives; words for rows.
import type { AuditFilter } from './api';

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

export const EVENT_KINDS: readonly { value: string; label: string }[] = [
  { value: 'issued', label: 'Code issued' },
  { value: 'sent', label: 'Sent' },
  { value: 'delivery_status', label: 'Delivery update' },
  { value: 'verified', label: 'Verified' },
  { value: 'wrong_code', label: 'Wrong code' },
  { value: 'locked', label: 'Code locked' },
  { value: 'expired', label: 'Expired' },
  { value: 'invalidated', label: 'Contact changed' },
  { value: 'overridden', label: 'Overridden' },
  { value: 'send_refused', label: 'Send refused' },
];

export const OUTCOMES: readonly { value: string; label: string }[] = [
  { value: 'verified', label: 'Verified' },
  { value: 'queued', label: 'Queued' },
  { value: 'sent', label: 'Sent' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'read', label: 'Read' },
  { value: 'failed', label: 'Failed' },
  { value: 'undelivered', label: 'Undelivered' },
  { value: 'refused', label: 'Refused' },
  { value: 'wrong_code', label: 'Wrong code' },
  { value: 'expired', label: 'Expired' },
  { value: 'expired_unsent', label: 'Expired before sending' },
  { value: 'contact_changed', label: 'Contact changed' },
  { value: 'unknown', label: 'Unknown' },
];

export function kindLabel(kind: string): string {
  return EVENT_KINDS.find((k) => k.value === kind)?.label ?? kind;
}

export function outcomeLabel(outcome: string): string {
  return OUTCOMES.find((o) => o.value === outcome)?.label ?? outcome;
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
