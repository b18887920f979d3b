import { describe, expect, it } from 'vitest';
import { makeSyncSetup, makeSyncView } from '../test/fixtures';
import {
  cleanRoleMap,
  conflictChannelWords,
  conflictClinicWords,
  conflictDeskWords,
  conflictSettledWords,
  walkinAddedWords,
  walkinMatchWords,
  walkinsHeading,
  emptySyncForm,
  forkWords,
  lastSyncedWords,
  problemsWords,
  roleMapProblem,
  syncFormProblems,
  syncInput,
  syncProgressWords,
  syncRedirected,
  syncReportWords,
  syncSummaryWords,
  syncTone,
  testProblem,
  toSyncForm,
  waitingWords,
} from './sync';

const REPORT = { pushed: 0, pulled: 0, added: 0, changed: 0, deactivated: 0, unreadable: 0, full: false };

describe('the sync form', () => {
  it('starts from the saved setup with an empty password box', () => {
    expect(toSyncForm(makeSyncSetup())).toEqual({
      host: 'db.skinspire.local',
      port: '5432',
      database: 'skinspire',
      role: 'desk_jayanagar',
      caFile: '/etc/skinspire/clinic-ca.pem',
      intervalMinutes: '5',
      password: '',
    });
    expect(emptySyncForm().port).toBe('5432');
  });

  it('sends text trimmed, numbers as numbers, and a blank password as null (keep the saved one)', () => {
    const form = { ...toSyncForm(makeSyncSetup()), host: '  db2.skinspire.local ', port: ' 6432', intervalMinutes: '15 ' };
    expect(syncInput(form)).toEqual({
      host: 'db2.skinspire.local',
      port: 6432,
      database: 'skinspire',
      role: 'desk_jayanagar',
      caFile: '/etc/skinspire/clinic-ca.pem',
      intervalMinutes: 15,
      password: null,
    });
    // A typed password goes as typed (spaces are part of it).
    expect(syncInput({ ...form, password: ' pass word ' })?.password).toBe(' pass word ');
  });

  it('names a port or interval out of range, and builds no input then', () => {
    const form = toSyncForm(makeSyncSetup());
    for (const port of ['0', '65536', '54.3', 'abc', '']) {
      expect(syncFormProblems({ ...form, port }).port).toContain('1 to 65535');
      expect(syncInput({ ...form, port })).toBeNull();
    }
    for (const every of ['0', '61', '2.5', '']) {
      expect(syncFormProblems({ ...form, intervalMinutes: every }).intervalMinutes).toContain('from 1 to 60');
    }
    expect(syncFormProblems({ ...form, port: '65535', intervalMinutes: '60' })).toEqual({});
  });

  it('asks for the password again only when a saved one would go to another server, port, database or role', () => {
    const saved = makeSyncSetup();
    const form = toSyncForm(saved);
    expect(syncRedirected(form, saved)).toBe(false);
    expect(syncRedirected({ ...form, caFile: '/other.pem', intervalMinutes: '9' }, saved)).toBe(false);
    expect(syncRedirected({ ...form, host: 'evil.example.com' }, saved)).toBe(true);
    expect(syncRedirected({ ...form, port: '6432' }, saved)).toBe(true);
    expect(syncRedirected({ ...form, database: 'other' }, saved)).toBe(true);
    expect(syncRedirected({ ...form, role: 'desk_2' }, saved)).toBe(true);
    expect(syncRedirected({ ...form, host: 'evil.example.com' }, { ...saved, passwordSaved: false })).toBe(false);
    expect(syncRedirected({ ...form, host: 'evil.example.com' }, null)).toBe(false);
  });

  it('needs the server, database and role before a test', () => {
    const form = toSyncForm(makeSyncSetup());
    expect(testProblem(form)).toBeNull();
    expect(testProblem({ ...form, database: ' ' })).toContain('the database');
  });
});

describe('sync words', () => {
  it('says how far the first pull has got', () => {
    expect(syncProgressWords({ done: 1200, total: 100000 })).toBe("Fetching the clinic's people: 1,200 of 1,00,000");
  });

  it('sums up a round, naming deactivated and unreadable rows only when there are some', () => {
    expect(syncReportWords({ ...REPORT, pushed: 12, added: 3, changed: 1 })).toBe('Sent 12 events; 3 people added, 1 changed.');
    expect(syncReportWords({ ...REPORT, pushed: 1, changed: 1 })).toBe('Sent 1 event; 1 person changed.');
    expect(syncReportWords(REPORT)).toBe('No events to send; nothing new from the clinic.');
    expect(syncReportWords({ ...REPORT, added: 2, deactivated: 1, unreadable: 2 })).toBe(
      "No events to send; 2 people added, 1 deactivated. 2 clinic rows couldn't be read: see “Rows the desk couldn't read” below.",
    );
    expect(syncReportWords({ ...REPORT, pulled: 1500, added: 1500, full: true })).toBe(
      'No events to send; 1,500 people added (a full read of 1,500 clinic people).',
    );
  });

  it('shows the Rust summary, or says sync is not set up', () => {
    expect(syncSummaryWords(makeSyncView({ summary: 'Synced with the clinic at 10:30' }))).toBe('Synced with the clinic at 10:30');
    expect(syncSummaryWords(makeSyncView())).toContain("isn't set up yet");
    expect(syncSummaryWords(null)).toContain("isn't set up yet");
  });

  it('warns in the status bar when sync fails or has stopped, and is plain otherwise', () => {
    expect(syncTone(makeSyncView({ summary: 'Synced with the clinic at 10:30' }))).toBeNull();
    expect(syncTone(makeSyncView({ lastError: 'The clinic server can’t be reached.' }))).toBe('warning');
    expect(syncTone(makeSyncView({ forkedAtSeq: 42 }))).toBe('warning');
    expect(syncTone(makeSyncView({ forkedAtSeq: 0 }))).toBe('warning');
  });

  it('explains a fork with the event it starts from', () => {
    expect(forkWords(1042)).toBe(
      "This desk's history no longer matches what the clinic holds from it (from event 1,042): it was probably restored from a backup. Nothing was overwritten.",
    );
  });

  it('says when the desk last synced and how many events wait', () => {
    expect(lastSyncedWords({ lastOkAt: null })).toBe('Not synced yet');
    expect(lastSyncedWords({ lastOkAt: '2026-11-24T05:02:00.000Z' }, 'Asia/Kolkata')).toBe('24 Nov 2026, 10:32');
    expect(waitingWords(0)).toBe('None');
    expect(waitingWords(1)).toBe('1 event');
    expect(waitingWords(1200)).toBe('1,200 events');
  });

  it("joins an unreadable row's problems into one sentence", () => {
    expect(problemsWords(['phone "98450" has too few digits.', 'email has no @'])).toBe('phone "98450" has too few digits; email has no @.');
    expect(problemsWords([])).toBe('The desk could not read this row.');
  });
});

describe('the role map', () => {
  it('refuses blank, too long and repeated clinic role names', () => {
    expect(roleMapProblem([])).toBeNull();
    expect(roleMapProblem([{ clinicRole: 'Doctor', deskRole: 'admin' }, { clinicRole: 'Nurse', deskRole: 'reception' }])).toBeNull();
    expect(roleMapProblem([{ clinicRole: '  ', deskRole: 'admin' }])).toContain('Type a name');
    expect(roleMapProblem([{ clinicRole: 'x'.repeat(51), deskRole: 'admin' }])).toContain('at most 50');
    expect(roleMapProblem([{ clinicRole: 'Doctor', deskRole: 'admin' }, { clinicRole: ' doctor ', deskRole: 'reception' }])).toBe(
      '“doctor” is listed twice. Keep one row for it.',
    );
  });

  it('trims names before saving', () => {
    expect(cleanRoleMap([{ clinicRole: ' Nurse ', deskRole: 'reception' }])).toEqual([{ clinicRole: 'Nurse', deskRole: 'reception' }]);
  });
});

describe('contacts to settle', () => {
  const CONFLICT = { deskName: 'Front desk', madeAt: '2026-11-24T05:02:00.000Z', deskValue: '+919876500001', clinicValue: null };

  it('names the contact, what the desk typed and when, and what the clinic has now ("none" for nothing)', () => {
    expect(conflictChannelWords('phone')).toBe('Mobile number');
    expect(conflictChannelWords('email')).toBe('Email');
    expect(conflictDeskWords(CONFLICT, 'Asia/Kolkata')).toBe('Typed at Front desk on 24 Nov 2026, 10:32: +919876500001');
    expect(conflictDeskWords({ ...CONFLICT, deskValue: '  ' }, 'Asia/Kolkata')).toBe('Typed at Front desk on 24 Nov 2026, 10:32: none');
    expect(conflictClinicWords(CONFLICT)).toBe('In the clinic system now: none');
    expect(conflictClinicWords({ clinicValue: 'p.raman@gmail.com' })).toBe('In the clinic system now: p.raman@gmail.com');
  });

  it('says what each choice did', () => {
    expect(conflictSettledWords('desk', 'phone')).toBe("Saved: the desk's number goes to the clinic at the next sync.");
    expect(conflictSettledWords('clinic', 'phone')).toBe("Saved: this desk now has the clinic's number.");
    expect(conflictSettledWords('desk', 'email')).toBe("Saved: the desk's email address goes to the clinic at the next sync.");
    expect(conflictSettledWords('clinic', 'email')).toBe("Saved: this desk now has the clinic's email address.");
  });
});

describe("walk-ins not in the clinic's records", () => {
  it('counts them in the heading and names a possible clinic match by what it shares', () => {
    expect(walkinsHeading(null)).toBe("Walk-ins not in the clinic's records");
    expect(walkinsHeading(1200)).toBe("Walk-ins not in the clinic's records (1,200)");
    expect(walkinMatchWords({ displayName: 'Priya Raman', userId: 'P-1042', reason: 'same_phone' })).toBe(
      'Same number as clinic record Priya Raman (P-1042): check with the clinic which is right.',
    );
    expect(walkinMatchWords({ displayName: 'Priya Raman', userId: 'P-1042', reason: 'same_email' })).toBe(
      'Same email as clinic record Priya Raman (P-1042): check with the clinic which is right.',
    );
    expect(walkinAddedWords({ createdAt: '2026-11-24T05:02:00.000Z' }, 'Asia/Kolkata')).toBe('Added 24 Nov 2026, 10:32');
  });
});
