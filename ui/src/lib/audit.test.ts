import { describe, expect, it } from 'vitest';
import type { ChainReport, EventKind, Outcome } from './api';
import {
  auditFormProblem,
  buildAuditFilter,
  chainProgressWords,
  chainWords,
  countWords,
  detailParts,
  detailValue,
  emptyAuditForm,
  EVENT_KINDS,
  exportWords,
  kindLabel,
  OUTCOMES,
  outcomeLabel,
} from './audit';

describe('buildAuditFilter', () => {
  it('sends nothing for an empty form (everything matches)', () => {
    expect(buildAuditFilter(emptyAuditForm())).toEqual({});
  });

  it('keeps only what was filled in, trimmed', () => {
    expect(
      buildAuditFilter({
        ...emptyAuditForm(),
        userId: ' +919876512345 ',
        actor: '   ',
        channel: 'sms',
        outcome: 'verified',
        kind: '',
        from: '2026-11-01',
        to: '2026-11-24',
      }),
    ).toEqual({ userId: '+919876512345', channel: 'sms', outcome: 'verified', from: '2026-11-01', to: '2026-11-24' });
  });
});

describe('auditFormProblem', () => {
  it('accepts empty or valid dates in order', () => {
    expect(auditFormProblem(emptyAuditForm())).toBeNull();
    expect(auditFormProblem({ ...emptyAuditForm(), from: '2026-11-01', to: '2026-11-01' })).toBeNull();
  });

  it('refuses dates after each other or not real', () => {
    expect(auditFormProblem({ ...emptyAuditForm(), from: '2026-11-24', to: '2026-11-01' })).toContain('after');
    expect(auditFormProblem({ ...emptyAuditForm(), from: '2026-02-30' })).toContain('year-month-day');
    expect(auditFormProblem({ ...emptyAuditForm(), to: '24/11/2026' })).toContain('“To”');
  });
});

describe('words', () => {
  it('kinds, outcomes, counts and the export line', () => {
    expect(kindLabel('send_refused')).toBe('Send refused');
    expect(kindLabel('something_new')).toBe('something_new');
    expect(outcomeLabel('wrong_code')).toBe('Wrong code');
    expect(countWords(1)).toBe('1 event');
    expect(countWords(1000)).toContain('narrow the filters');
    expect(exportWords('/home/desk/Downloads/a.csv')).toBe('Saved to /home/desk/Downloads/a.csv');
  });
});

describe('the filters offer what Rust records', () => {
  it('every event kind, including the new ones, each with its own label', () => {
    const kinds = EVENT_KINDS.map((k) => k.value);
    const expected: EventKind[] = ['issued', 'sign_in', 'sign_out', 'idle_lock', 'settings_changed', 'credentials_saved', 'staff_added', 'consent_given', 'consent_withdrawn', 'practised', 'admin_command'];
    for (const k of expected) expect(kinds).toContain(k);
    expect(new Set(EVENT_KINDS.map((k) => k.label)).size).toBe(EVENT_KINDS.length);
    expect(kindLabel('consent_withdrawn')).toBe('Consent withdrawn');
  });

  it('outcomes are Rust’s values: a provider taking a message is "accepted", not "sent"', () => {
    const outcomes: string[] = OUTCOMES.map((o) => o.value);
    expect(outcomes).toContain('accepted' satisfies Outcome);
    expect(outcomes).toContain('practice' satisfies Outcome);
    expect(outcomes).toContain('done' satisfies Outcome);
    expect(outcomes).not.toContain('sent');
    expect(outcomeLabel('accepted')).toBe('Accepted by the provider');
  });
});

describe('event details', () => {
  it('consent: each key with its value', () => {
    expect(detailParts({ notice_version: 1, purpose: 'verification of this contact' }, 'consent_given')).toEqual([
      { key: 'notice version', value: '1' },
      { key: 'purpose', value: 'verification of this contact' },
    ]);
  });

  it('settings changed: the setting’s label, old → new', () => {
    expect(detailParts({ otp_length: { old: 6, new: 4 }, clinic_name: { old: null, new: 'Skinspire' } }, 'settings_changed')).toEqual([
      { key: 'Code length', value: '6 → 4' },
      { key: 'Clinic name', value: '— → Skinspire' },
    ]);
  });

  it('nested objects and lists stay compact; nothing for null or {}', () => {
    expect(detailValue({ a_b: 1, c: [2, 3], d: true })).toBe('{a b: 1, c: 2, 3, d: yes}');
    expect(detailValue([])).toBe('(none)');
    expect(detailValue('')).toBe('(blank)');
    expect(detailParts(null)).toEqual([]);
    expect(detailParts({})).toEqual([]);
    expect(detailParts('odd')).toEqual([{ key: '', value: 'odd' }]);
  });
});

describe('the audit chain check', () => {
  const report: ChainReport = { intact: true, checked: 5230, unverifiable: 0, anchored: 1200, firstBreak: null };

  it('progress in words', () => {
    expect(chainProgressWords({ done: 1200, total: 5230 })).toBe('Checked 1,200 of 5,230 events');
  });

  it('intact: how many were checked and how many came before the chain', () => {
    expect(chainWords(report)).toEqual({
      tone: 'ok',
      headline: 'Intact: 5,230 events checked (1,200 from before the chain began)',
      place: null,
      unverifiable: null,
    });
    expect(chainWords({ ...report, anchored: 0, checked: 1 }).headline).toBe('Intact: 1 event checked');
  });

  it('broken: Rust’s message, and where (sequence, time, event id)', () => {
    const w = chainWords(
      {
        ...report,
        intact: false,
        unverifiable: 2,
        firstBreak: {
          deviceId: 'desk-1',
          seq: 412,
          eventId: '0193-abc',
          occurredAt: '2026-11-24T05:02:00.000Z',
          kind: 'altered',
          message: 'This event was changed after it was written.',
        },
      },
      'Asia/Kolkata',
    );
    expect(w.tone).toBe('problem');
    expect(w.headline).toBe('Broken: This event was changed after it was written.');
    expect(w.place).toBe('First break at event number 412 (desk desk-1), 24 Nov 2026, 10:32, event id 0193-abc.');
    expect(w.unverifiable).toBe(
      "2 events were written under another key; they can't be checked here (which is not the same as broken).",
    );
  });

  it('not intact without a break: says not every event could be checked', () => {
    const w = chainWords({ ...report, intact: false, unverifiable: 1, anchored: 0 });
    expect(w.tone).toBe('warning');
    expect(w.headline).toBe('Not every event could be checked: 5,230 events checked');
    expect(w.unverifiable).toContain('1 event was written under another key');
  });
});
