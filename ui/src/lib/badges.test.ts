import { describe, expect, it } from 'vitest';
import type { ContactStatus } from './api';
import { anyOverdue, channelLabel, contactBadge, dueMark, dueOf, PRACTICE_WORDS, verifiedLine } from './badges';
import { NOT_VERIFIED } from '../test/fixtures';

const IST = 'Asia/Kolkata';

describe('contactBadge', () => {
  it('missing: "No phone" / "No email", muted', () => {
    const missing: ContactStatus = { state: 'missing' };
    expect(contactBadge(missing, 'phone', IST)).toMatchObject({ label: 'No phone', tone: 'muted' });
    expect(contactBadge(missing, 'email', IST)).toMatchObject({ label: 'No email', tone: 'muted' });
  });

  it('notVerified: grey "Not verified", saying when a change undid it', () => {
    expect(contactBadge({ state: 'notVerified', invalidatedAt: null, changedBy: null, due: null }, 'phone', IST)).toEqual({
      label: 'Not verified',
      tone: 'neutral',
      icon: '○',
      detail: 'Not verified yet.',
    });
    expect(
      contactBadge({ state: 'notVerified', invalidatedAt: '2026-11-24T05:02:00.000Z', changedBy: null, due: null }, 'email', IST).detail,
    ).toBe('Not verified. The contact changed on 24 Nov 2026, 10:32.');
    expect(
      contactBadge({ state: 'notVerified', invalidatedAt: '2026-11-24T05:02:00.000Z', changedBy: 'clinic', due: null }, 'phone', IST).detail,
    ).toBe('Not verified. The number changed in the clinic system on 24 Nov 2026, 10:32: verify again.');
  });

  it('verified: green tick, when and by whom', () => {
    const b = contactBadge(
      {
        state: 'verified',
        verifiedAt: '2026-11-24T05:02:00.000Z',
        verifiedBy: 'reception',
        channel: 'whatsapp',
        validUntil: null,
      },
      'phone',
      IST,
    );
    expect(b).toEqual({
      label: 'Verified',
      tone: 'ok',
      icon: '✓',
      detail: 'Verified on 24 Nov 2026, 10:32 by reception.',
    });
  });

  it('verified with a validity end says until when', () => {
    const b = contactBadge(
      {
        state: 'verified',
        verifiedAt: '2026-11-24T05:02:00.000Z',
        verifiedBy: null,
        channel: null,
        validUntil: '2027-11-24T05:02:00.000Z',
      },
      'email',
      IST,
    );
    expect(b.detail).toBe('Verified on 24 Nov 2026, 10:32. Valid until 24 Nov 2027, 10:32.');
  });

  it('expired: amber "Expired — verify again"', () => {
    const b = contactBadge(
      { state: 'expired', verifiedAt: '2025-11-24T05:02:00.000Z', expiredAt: '2026-11-24T05:02:00.000Z', due: null },
      'phone',
      IST,
    );
    expect(b).toMatchObject({ label: 'Expired — verify again', tone: 'warning', icon: '!' });
    expect(b.detail).toBe('Verified on 24 Nov 2025, 10:32; expired on 24 Nov 2026, 10:32.');
  });

  it('codeSent: blue clock "Code sent", by what and where', () => {
    const b = contactBadge(
      {
        state: 'codeSent',
        channel: 'whatsapp',
        targetMasked: '+91 98••• ••345',
        sentAt: '2026-11-24T05:02:00.000Z',
        expiresAt: '2026-11-24T05:12:00.000Z',
        attemptsLeft: 3,
        resendAvailableAt: '2026-11-24T05:02:30.000Z',
      },
      'phone',
      IST,
    );
    expect(b).toEqual({
      label: 'Code sent',
      tone: 'info',
      icon: '◷',
      detail: 'Code sent by WhatsApp to +91 98••• ••345 at 10:32.',
    });
  });

  it('codeDead: red "Failed", saying what to do next', () => {
    const locked = contactBadge(
      { state: 'codeDead', reason: 'too_many_tries', resendAvailableAt: '2026-11-24T05:02:30.000Z' },
      'phone',
      IST,
    );
    expect(locked).toMatchObject({ label: 'Failed', tone: 'problem', icon: '✕' });
    expect(locked.detail).toBe("This code can't be used any more. Send a new one.");
    const expired = contactBadge(
      { state: 'codeDead', reason: 'expired', resendAvailableAt: '2026-11-24T05:02:30.000Z' },
      'email',
      IST,
    );
    expect(expired.detail).toBe('The code expired. Send a new one.');
  });

  it('practice: "Practice only", never green, saying nothing was proven', () => {
    const b = contactBadge({ state: 'practice', practicedAt: '2026-11-24T05:02:00.000Z', due: null }, 'phone', IST);
    expect(b.label).toBe('Practice only');
    expect(b.tone).toBe('practice');
    expect(b.tone).not.toBe('ok');
    expect(b.icon).not.toBe('✓');
    expect(b.detail).toBe(
      'Practice only — not verified. The code was shown on screen in demo mode, so nothing was proven. Practised on 24 Nov 2026, 10:32.',
    );
    expect(PRACTICE_WORDS).toContain('not verified');
  });

  it('never relies on colour alone: every state has a label and an icon', () => {
    const all: ContactStatus[] = [
      { state: 'missing' },
      { state: 'notVerified', invalidatedAt: null, changedBy: null, due: null },
      { state: 'verified', verifiedAt: '2026-11-24T05:02:00.000Z', verifiedBy: null, channel: null, validUntil: null },
      { state: 'expired', verifiedAt: '2026-11-24T05:02:00.000Z', expiredAt: '2026-11-24T05:02:00.000Z', due: null },
      { state: 'practice', practicedAt: '2026-11-24T05:02:00.000Z', due: null },
      {
        state: 'codeSent',
        channel: 'sms',
        targetMasked: 'x',
        sentAt: '2026-11-24T05:02:00.000Z',
        expiresAt: '2026-11-24T05:02:00.000Z',
        attemptsLeft: 1,
        resendAvailableAt: '2026-11-24T05:02:00.000Z',
      },
      { state: 'codeDead', reason: 'expired', resendAvailableAt: '2026-11-24T05:02:00.000Z' },
    ];
    const labels = all.map((s) => contactBadge(s, 'phone', IST));
    for (const b of labels) {
      expect(b.label.length).toBeGreaterThan(0);
      expect(b.icon.length).toBeGreaterThan(0);
    }
    expect(new Set(labels.map((b) => b.label)).size).toBe(all.length);
  });
});

describe('verifiedLine and channelLabel', () => {
  it('reads as a sentence', () => {
    expect(verifiedLine('2026-11-24T05:02:00.000Z', 'reception', IST)).toBe(
      'Verified on 24 Nov 2026, 10:32 by reception',
    );
    expect(verifiedLine('2026-11-24T05:02:00.000Z', '  ', IST)).toBe('Verified on 24 Nov 2026, 10:32');
  });

  it('names channels for people', () => {
    expect(channelLabel('whatsapp')).toBe('WhatsApp');
    expect(channelLabel('sms')).toBe('SMS');
    expect(channelLabel('email')).toBe('email');
    expect(channelLabel(null)).toBe('');
  });
});

describe('due dates', () => {
  const BY = '2026-12-01T05:02:00.000Z';

  it('"Due by" a date, or an "Overdue" marker past the grace period', () => {
    expect(dueMark({ state: 'notVerified', invalidatedAt: null, changedBy: null, due: { by: BY, overdue: false } }, IST)).toEqual({
      text: 'Due by 1 Dec 2026',
      overdue: false,
    });
    expect(dueMark({ state: 'expired', verifiedAt: BY, expiredAt: BY, due: { by: BY, overdue: true } }, IST)).toEqual({
      text: 'Overdue — was due by 1 Dec 2026',
      overdue: true,
    });
    expect(dueMark({ state: 'practice', practicedAt: BY, due: { by: BY, overdue: true } }, IST)?.overdue).toBe(true);
  });

  it('nothing when no due date is set, or the state has none', () => {
    expect(dueMark(NOT_VERIFIED, IST)).toBeNull();
    expect(dueMark({ state: 'missing' }, IST)).toBeNull();
    expect(
      dueOf({ state: 'verified', verifiedAt: BY, verifiedBy: null, channel: null, validUntil: null }),
    ).toBeNull();
  });

  it('a person is overdue when either contact is', () => {
    const late: ContactStatus = { state: 'notVerified', invalidatedAt: null, changedBy: null, due: { by: BY, overdue: true } };
    const soon: ContactStatus = { state: 'notVerified', invalidatedAt: null, changedBy: null, due: { by: BY, overdue: false } };
    expect(anyOverdue({ phoneStatus: soon, emailStatus: late })).toBe(true);
    expect(anyOverdue({ phoneStatus: soon, emailStatus: NOT_VERIFIED })).toBe(false);
  });
});
