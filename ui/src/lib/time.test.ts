import { describe, expect, it } from 'vitest';
import { cooldownWords, expiryWords, formatCountdown, formatDate, formatDateTime, formatTime, secondsUntil } from './time';

const IST = 'Asia/Kolkata';

describe('formatDateTime / formatTime', () => {
  it('shows UTC times as local time in plain words', () => {
    expect(formatDateTime('2026-11-24T05:02:00.000Z', IST)).toBe('24 Nov 2026, 10:32');
    expect(formatTime('2026-11-24T05:02:00.000Z', IST)).toBe('10:32');
  });

  it('crosses midnight correctly', () => {
    expect(formatDateTime('2026-12-31T19:00:00.000Z', IST)).toBe('1 Jan 2027, 00:30');
  });

  it('uses the computer’s own zone by default', () => {
    const d = new Date('2026-11-24T05:02:00.000Z');
    const hh = String(d.getHours()).padStart(2, '0');
    const mm = String(d.getMinutes()).padStart(2, '0');
    expect(formatTime('2026-11-24T05:02:00.000Z')).toBe(`${hh}:${mm}`);
  });

  it('gives an empty string for a time it cannot read', () => {
    expect(formatDateTime('not a time')).toBe('');
    expect(formatTime('')).toBe('');
  });
});

describe('formatCountdown', () => {
  it('formats as m:ss', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(24)).toBe('0:24');
    expect(formatCountdown(60)).toBe('1:00');
    expect(formatCountdown(299)).toBe('4:59');
    expect(formatCountdown(600)).toBe('10:00');
  });

  it('never goes below zero or breaks on nonsense', () => {
    expect(formatCountdown(-5)).toBe('0:00');
    expect(formatCountdown(Number.NaN)).toBe('0:00');
    expect(formatCountdown(12.9)).toBe('0:12');
  });
});

describe('secondsUntil and the countdown words', () => {
  const now = Date.parse('2026-11-24T05:02:00.000Z');

  it('rounds up partial seconds so 0:00 means really over', () => {
    expect(secondsUntil('2026-11-24T05:02:00.500Z', now)).toBe(1);
    expect(secondsUntil('2026-11-24T05:02:24.000Z', now)).toBe(24);
    expect(secondsUntil('2026-11-24T05:01:00.000Z', now)).toBe(0);
    expect(secondsUntil('garbage', now)).toBe(0);
  });

  it('says how long a code has left', () => {
    expect(expiryWords('2026-11-24T05:06:59.000Z', now)).toBe('Expires in 4:59');
    expect(expiryWords('2026-11-24T05:02:00.000Z', now)).toBe('Expired');
  });

  it('says when a new code can be sent', () => {
    expect(cooldownWords('2026-11-24T05:02:24.000Z', now)).toBe('available in 0:24');
    expect(cooldownWords('2026-11-24T05:01:00.000Z', now)).toBeNull();
  });
});

describe('formatDate', () => {
  it('is the local day only, and empty for nonsense', () => {
    expect(formatDate('2026-11-30T20:00:00.000Z', 'Asia/Kolkata')).toBe('1 Dec 2026');
    expect(formatDate('not a time')).toBe('');
  });
});
