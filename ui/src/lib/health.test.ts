import { describe, expect, it } from 'vitest';
import {
  clockWords,
  floorHeading,
  gmailPausedWords,
  gmailUsageWords,
  keyringWords,
  outboxStatus,
  providerLabel,
  TEMPORARY_PEPPER_WORDS,
} from './health';

describe('health words', () => {
  it('Gmail’s 24-hour count', () => {
    expect(gmailUsageWords({ sent24h: 123, limit: 500, warn: false, pausedUntil: null })).toBe(
      '123 of 500 sent in the last 24 hours',
    );
    expect(gmailUsageWords({ sent24h: 1650, limit: 2000, warn: true, pausedUntil: null })).toBe(
      '1,650 of 2,000 sent in the last 24 hours',
    );
  });

  it('times: Rust’s local "14:05" stays; ISO becomes local', () => {
    expect(clockWords('14:05')).toBe('14:05');
    expect(clockWords('2026-11-24T08:35:00.000Z', 'Asia/Kolkata')).toBe('14:05');
    expect(gmailPausedWords('14:05')).toBe("Gmail's daily limit is used up: email is paused until 14:05.");
  });

  it('providers, keyring and outbox statuses', () => {
    expect(providerLabel('twilio_sms')).toBe('SMS (Twilio)');
    expect(keyringWords({ state: 'ok', message: '', backend: 'Secret Service' })).toBe('Keyring: working (Secret Service)');
    expect(keyringWords({ state: 'locked', message: 'Unlock it.', backend: '' })).toBe('Keyring: locked. Unlock it.');
    expect(outboxStatus('undelivered')).toEqual({ label: 'Not delivered', tone: 'problem' });
    expect(outboxStatus('expired_unsent').label).toBe('Expired unsent');
  });
});

describe('security floor and the code key', () => {
  it('counts the settings below the floor', () => {
    expect(floorHeading(1)).toBe('1 setting is below the security floor');
    expect(floorHeading(2)).toBe('2 settings are below the security floor');
  });

  it('says what a code key only in memory means and what to do', () => {
    expect(TEMPORARY_PEPPER_WORDS).toContain("can't be checked after a restart");
    expect(TEMPORARY_PEPPER_WORDS).toContain('Unlock the keyring and restart the desk.');
  });
});
