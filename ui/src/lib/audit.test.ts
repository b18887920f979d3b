import { describe, expect, it } from 'vitest';
import { auditFormProblem, buildAuditFilter, countWords, emptyAuditForm, exportWords, kindLabel, outcomeLabel } from './audit';

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
