import { describe, expect, it } from 'vitest';
import { makeStatus } from '../test/fixtures';
import {
  databaseLabel,
  keyringLabel,
  keyringMessage,
  keyringTone,
  migrationsLabel,
  migrationsTone,
  startupErrorNote,
  toneIcon,
  versionLabel,
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
