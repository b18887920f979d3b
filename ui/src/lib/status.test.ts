import { describe, expect, it } from 'vitest';
import { makeHealth, makeStatus } from '../test/fixtures';
import {
  databaseLabel,
  DEMO_MODE_NOTICE,
  healthItems,
  keyringLabel,
  keyringMessage,
  keyringTone,
  keyringWaitingWords,
  migrationsLabel,
  migrationsTone,
  startupErrorNote,
  temporaryPepperWords,
  toneIcon,
  versionLabel,
  waitingForKeyring,
} from './status';

describe('versionLabel', () => {
  it('prefixes the version with v', () => {
    expect(versionLabel(makeStatus({ version: '0.1.0' }))).toBe('v0.1.0');
  });

  it('does not double a v the version already has', () => {
    expect(versionLabel(makeStatus({ version: 'v1.2.3' }))).toBe('v1.2.3');
    expect(versionLabel(makeStatus({ version: 'V1.2.3' }))).toBe('v1.2.3');
  });
});

describe('databaseLabel', () => {
  it('shows the full path', () => {
    expect(databaseLabel(makeStatus({ databasePath: 'C:\\Desk\\desk.sqlite3' }))).toBe(
      'database: C:\\Desk\\desk.sqlite3',
    );
  });
});

describe('migrations', () => {
  it('shows a tick when migrations are ok', () => {
    const s = makeStatus({ schemaVersion: 7, migrationsOk: true });
    expect(migrationsLabel(s)).toBe('schema 7 ✓');
    expect(migrationsTone(s)).toBe('ok');
  });

  it('says the update failed when migrations are not ok', () => {
    const s = makeStatus({ schemaVersion: 6, migrationsOk: false });
    expect(migrationsLabel(s)).toBe('schema 6 — update failed');
    expect(migrationsTone(s)).toBe('problem');
  });
});

describe('keyring', () => {
  it('ok: exactly "keyring: ok", ok tone, no message', () => {
    const s = makeStatus({}, { state: 'ok', message: 'Keyring works.' });
    expect(keyringLabel(s)).toBe('keyring: ok');
    expect(keyringTone(s)).toBe('ok');
    expect(keyringMessage(s)).toBeNull();
  });

  it('unavailable: label, warning tone, the message as given', () => {
    const s = makeStatus({}, { state: 'unavailable', message: 'No keyring service is running on this computer.' });
    expect(keyringLabel(s)).toBe('keyring: unavailable');
    expect(keyringTone(s)).toBe('warning');
    expect(keyringMessage(s)).toBe('No keyring service is running on this computer.');
  });

  it('locked: label, warning tone, the message as given', () => {
    const s = makeStatus({}, { state: 'locked', message: 'Unlock the keyring by signing in again.' });
    expect(keyringLabel(s)).toBe('keyring: locked');
    expect(keyringTone(s)).toBe('warning');
    expect(keyringMessage(s)).toBe('Unlock the keyring by signing in again.');
  });

  it('error: label, problem tone, the message as given', () => {
    const s = makeStatus({}, { state: 'error', message: 'The keyring refused the request.' });
    expect(keyringLabel(s)).toBe('keyring: error');
    expect(keyringTone(s)).toBe('problem');
    expect(keyringMessage(s)).toBe('The keyring refused the request.');
  });

  it('a not-ok keyring with an empty message still gets plain words', () => {
    const s = makeStatus({}, { state: 'locked', message: '   ' });
    expect(keyringMessage(s)).toBe('The desk cannot use the system keyring. Ask your administrator.');
  });
});

describe('toneIcon', () => {
  it('gives every tone a distinct icon', () => {
    const icons = [toneIcon('ok'), toneIcon('warning'), toneIcon('problem')];
    expect(icons).toEqual(['✓', '!', '✕']);
  });
});

describe('startupErrorNote', () => {
  it('adds "Nothing has been changed." for a too-new database', () => {
    expect(
      startupErrorNote({ code: 'database_too_new', message: 'This database was made by a newer desk.' }),
    ).toBe('Nothing has been changed.');
  });

  it('does not repeat it when the message already says it', () => {
    expect(
      startupErrorNote({
        code: 'database_too_new',
        message: 'This database was made by a newer desk. Nothing has been changed.',
      }),
    ).toBeNull();
  });

  it('adds nothing for other codes', () => {
    for (const code of ['database_unavailable', 'storage_unavailable', 'not_ready', 'internal']) {
      expect(startupErrorNote({ code, message: 'Some plain words.' })).toBeNull();
    }
  });
});

describe('healthItems (delivery in the status bar)', () => {
  it('demo mode says messages are not sent', () => {
    const items = healthItems(makeHealth({ demoMode: true }));
    expect(items[0]).toEqual({ testid: 'status-demo', label: 'Demo mode — messages are not sent', tone: 'warning' });
    expect(DEMO_MODE_NOTICE).toBe('Demo mode — messages are not sent');
  });

  it('counts messages waiting, and those waiting for the internet', () => {
    const items = healthItems(makeHealth({ queued: 3, waitingOffline: 1 }));
    expect(items.find((i) => i.testid === 'status-queued')?.label).toBe('3 messages waiting to send');
    expect(items.find((i) => i.testid === 'status-offline')).toMatchObject({
      label: 'No internet: 1 message waits for the connection',
      tone: 'warning',
    });
    expect(healthItems(makeHealth()).some((i) => i.testid === 'status-queued')).toBe(false);
  });

  it('shows each channel’s state when set up, and Gmail’s count', () => {
    const h = makeHealth({
      demoMode: false,
      credentials: { ...makeHealth().credentials, gmailConfigured: true, twilioConfigured: true },
      gmail: { sent24h: 480, limit: 500, warn: true, pausedUntil: null },
      lastTests: [{ provider: 'twilio_sms', ok: false, message: 'Bad token', testedAt: '2026-11-24T05:02:00.000Z' }],
    });
    const items = healthItems(h);
    expect(items.find((i) => i.testid === 'status-twilio')).toMatchObject({ label: 'WhatsApp & SMS: failing', tone: 'problem' });
    expect(items.find((i) => i.testid === 'status-email')).toMatchObject({ label: 'Email: ready', tone: 'ok' });
    expect(items.find((i) => i.testid === 'status-gmail')).toMatchObject({ label: 'Gmail today: 480 of 500', tone: 'warning' });
    expect(items.some((i) => i.testid === 'status-demo')).toBe(false);
  });

  it('says when Gmail is paused', () => {
    const h = makeHealth({
      demoMode: false,
      credentials: { ...makeHealth().credentials, gmailConfigured: true },
      gmail: { sent24h: 500, limit: 500, warn: true, pausedUntil: '2026-11-24T08:35:00.000Z' },
    });
    expect(healthItems(h, 'Asia/Kolkata').find((i) => i.testid === 'status-gmail')).toMatchObject({
      label: 'Gmail limit reached: email paused until 14:05',
      tone: 'problem',
    });
  });

  it('takes Gmail’s pause time as Rust sends it (local "14:05")', () => {
    const h = makeHealth({
      demoMode: false,
      credentials: { ...makeHealth().credentials, gmailConfigured: true },
      gmail: { sent24h: 500, limit: 500, warn: true, pausedUntil: '14:05' },
    });
    expect(healthItems(h).find((i) => i.testid === 'status-gmail')?.label).toBe(
      'Gmail limit reached: email paused until 14:05',
    );
  });

  it('reads a failed test of either Twilio route as Twilio failing', () => {
    const h = makeHealth({
      demoMode: false,
      credentials: { ...makeHealth().credentials, gmailConfigured: true, twilioConfigured: true },
      lastTests: [
        { provider: 'twilio_sms', ok: false, message: 'Bad token', testedAt: '2026-11-24T05:02:00.000Z' },
        { provider: 'gmail', ok: true, message: 'Accepted', testedAt: '2026-11-24T05:02:00.000Z' },
      ],
    });
    const items = healthItems(h);
    expect(items.find((i) => i.testid === 'status-twilio')?.label).toBe('WhatsApp & SMS: failing');
    expect(items.find((i) => i.testid === 'status-email')?.label).toBe('Email: ready');
  });
});

describe('messages waiting for the keyring', () => {
  it('says what to do and how many wait, by the keyring’s state', () => {
    expect(keyringWaitingWords(3, 'locked')).toBe('The keyring is locked: unlock it and the waiting messages go (3 waiting)');
    expect(keyringWaitingWords(1, 'ok')).toBe(
      'A saved password is missing from the keyring: the messages wait until an administrator enters it again (1 waiting)',
    );
    expect(keyringWaitingWords(2, 'unavailable')).toBe(
      "The keyring can't be read: the waiting messages go once it works again (2 waiting)",
    );
    expect(keyringWaitingWords(0, 'locked')).toBeNull();
  });

  it('counts from the polled health when known, else from the start-up status', () => {
    expect(waitingForKeyring(makeStatus({ waitingForKeyring: 2 }), null)).toBe(2);
    expect(waitingForKeyring(makeStatus({ waitingForKeyring: 2 }), makeHealth({ waitingForKeyring: 5 }))).toBe(5);
  });

  it('a code key only in memory: Rust’s words as given, nothing otherwise', () => {
    const words = 'The code key is only in memory: codes sent now can’t be checked after a restart. Unlock the keyring and restart.';
    expect(temporaryPepperWords(makeStatus({ temporaryPepper: words }))).toBe(words);
    expect(temporaryPepperWords(makeStatus({ temporaryPepper: null }))).toBeNull();
    expect(temporaryPepperWords(makeStatus({ temporaryPepper: '  ' }))).toBeNull();
  });
});
