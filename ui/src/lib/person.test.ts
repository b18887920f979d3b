import { describe, expect, it } from 'vitest';
import { makePerson, makeStarted, makeSummary, SENT_AT } from '../test/fixtures';
import type { Health, PersonSummary } from './api';
import {
  changeWarning,
  channelsFor,
  checkedWords,
  codeLengthIn,
  consentOf,
  needsCountWords,
  configuredChannels,
  consentLabel,
  fieldForError,
  firstStep,
  invalidatedWords,
  LANGUAGES,
  otherChannels,
  sameContact,
  sendLabel,
  sentLine,
  sessionFromStarted,
  sessionFromStatus,
  statusFromStarted,
  toSummary,
  withStatus,
} from './person';

const VERIFIED = {
  state: 'verified',
  verifiedAt: SENT_AT,
  verifiedBy: 'reception',
  channel: 'sms',
  validUntil: null,
} as const;

describe('channelsFor', () => {
  it('offers phone channels only with a phone, email only with an email', () => {
    const both = makeSummary();
    expect(channelsFor(both, 'phone')).toEqual(['whatsapp', 'sms']);
    expect(channelsFor(both, 'email')).toEqual(['email']);
    const noPhone = makeSummary({ phoneMasked: null, phoneStatus: { state: 'missing' } });
    expect(channelsFor(noPhone, 'phone')).toEqual([]);
    const noEmail = makeSummary({ emailMasked: null, emailStatus: { state: 'missing' } });
    expect(channelsFor(noEmail, 'email')).toEqual([]);
  });

  it('follows the clinic’s channel order', () => {
    expect(channelsFor(makeSummary(), 'phone', ['sms', 'whatsapp'])).toEqual(['sms', 'whatsapp']);
    expect(channelsFor(makeSummary(), 'phone', ['sms'])).toEqual(['sms', 'whatsapp']);
  });

  it('"Not received?" offers the next channels, email last', () => {
    expect(otherChannels(makeSummary(), 'whatsapp')).toEqual(['sms', 'email']);
    expect(otherChannels(makeSummary(), 'sms')).toEqual(['whatsapp', 'email']);
    expect(otherChannels(makeSummary(), 'email')).toEqual(['whatsapp', 'sms']);
    expect(otherChannels(makeSummary({ emailMasked: null, emailStatus: { state: 'missing' } }), 'whatsapp')).toEqual([
      'sms',
    ]);
  });
});

describe('words', () => {
  it('consent and send labels', () => {
    expect(consentLabel('phone')).toBe('The person agrees to receive a code at this number');
    expect(consentLabel('email')).toBe('The person agrees to receive a code at this address');
    expect(sendLabel('whatsapp')).toBe('Send by WhatsApp');
    expect(sendLabel('sms')).toBe('Send by SMS');
    expect(sendLabel('email')).toBe('Send by email');
  });

  it('says what was sent where and when', () => {
    expect(sentLine(sessionFromStarted(makeStarted()), 'Asia/Kolkata')).toBe(
      'Code sent by WhatsApp to +91 98••• ••345 at 10:32',
    );
  });

  it('warns before changing a verified contact', () => {
    expect(changeWarning('phone')).toBe('This number is verified. Changing it means verifying it again.');
    expect(changeWarning('email')).toBe('This address is verified. Changing it means verifying it again.');
  });

  it('says which contacts need verifying again after an edit', () => {
    expect(invalidatedWords([])).toBeNull();
    expect(invalidatedWords(['phone'])).toBe('The mobile number changed, so it needs verifying again.');
    expect(invalidatedWords(['email'])).toBe('The email address changed, so it needs verifying again.');
    expect(invalidatedWords(['phone', 'email'])).toContain('both');
  });

  it('lists the six languages in their own scripts', () => {
    expect(LANGUAGES.map((l) => l.code)).toEqual(['en', 'hi', 'kn', 'ta', 'te', 'ml']);
    expect(LANGUAGES.map((l) => l.label)).toEqual(['English', 'हिन्दी', 'ಕನ್ನಡ', 'தமிழ்', 'తెలుగు', 'മലയാളം']);
  });
});

describe('sessions', () => {
  it('from a send, and the badge it gives at once', () => {
    const started = makeStarted();
    expect(sessionFromStarted(started)).toMatchObject({ codeLength: 6, outboxId: 41, attemptsLeft: 3 });
    const s = statusFromStarted(started);
    expect(s).toMatchObject({ state: 'codeSent', channel: 'whatsapp', attemptsLeft: 3 });
    expect(withStatus(makeSummary(), 'phone', s).phoneStatus.state).toBe('codeSent');
    expect(withStatus(makeSummary(), 'email', s).phoneStatus.state).toBe('notVerified');
  });

  it('resumes a code already on its way, without knowing its message id', () => {
    const status = statusFromStarted(makeStarted({ channel: 'sms' }));
    expect(sessionFromStatus('phone', status, 4)).toMatchObject({ channel: 'sms', codeLength: 4, outboxId: null });
    expect(sessionFromStatus('phone', { state: 'missing' }, 6)).toBeNull();
  });
});

describe('firstStep', () => {
  it('goes to the code being typed first', () => {
    expect(firstStep(makeSummary(), 'email')).toEqual({ kind: 'email', target: 'code' });
  });

  it('else to the first contact that is not verified', () => {
    expect(firstStep(makeSummary(), null)).toEqual({ kind: 'phone', target: 'consent' });
    expect(firstStep(makeSummary({ phoneStatus: VERIFIED }), null)).toEqual({ kind: 'email', target: 'consent' });
    expect(
      firstStep(makeSummary({ phoneStatus: { state: 'missing' }, emailStatus: { state: 'missing' } }), null),
    ).toBeNull();
    expect(firstStep(makeSummary({ phoneStatus: VERIFIED, emailStatus: VERIFIED }), null)).toBeNull();
  });
});

describe('fieldForError', () => {
  it('puts each Rust message next to its field', () => {
    expect(fieldForError({ code: 'invalid_contact', message: "That isn't a valid phone number. Check the digits." })).toBe(
      'phone',
    );
    expect(fieldForError({ code: 'invalid_contact', message: 'That looks like a landline.' })).toBe('phone');
    expect(fieldForError({ code: 'invalid_contact', message: "That isn't a valid email address." })).toBe('email');
    expect(fieldForError({ code: 'invalid_input', message: "Type the person's name." })).toBe('displayName');
    expect(fieldForError({ code: 'invalid_input', message: 'Give at least a phone number or an email address.' })).toBe(
      'phone',
    );
    expect(fieldForError({ code: 'invalid_input', message: 'The desk has no messages in language “fr”.' })).toBe(
      'preferredLanguage',
    );
  });

  it('leaves other errors for the top of the form', () => {
    expect(fieldForError({ code: 'internal', message: 'The desk could not do that.' })).toBeNull();
    expect(fieldForError({ code: 'person_not_found', message: 'That person is no longer on this desk.' })).toBeNull();
  });
});

describe('helpers', () => {
  it('sameContact ignores spaces and dashes', () => {
    expect(sameContact('+91 98765-12345', '+919876512345')).toBe(true);
    expect(sameContact('Priya@Gmail.com', 'priya@gmail.com')).toBe(true);
    expect(sameContact('+919876512346', '+919876512345')).toBe(false);
    expect(sameContact('', null)).toBe(true);
  });

  it('toSummary drops the full contacts', () => {
    const s = toSummary(makePerson());
    expect(s).not.toHaveProperty('phone');
    expect(s).not.toHaveProperty('email');
    expect(s.phoneMasked).toBe('+91 98••• ••345');
  });
});

describe('configuredChannels and channelsFor with a desk that has only some providers', () => {
  const base = {
    keyring: { state: 'ok', message: '', backend: 'Secret Service' },
    demoMode: false,
    gmail: { sent24h: 0, limit: 500, warn: false, pausedUntil: null },
    lastTests: [],
    queued: 0,
    waitingOffline: 0,
    lastErrors: [],
  } as const;
  const creds = {
    gmailConfigured: false,
    gmailAddress: '',
    smtpHost: 'smtp.gmail.com',
    smtpPort: 587,
    twilioConfigured: true,
    whatsappFrom: '+14155238886',
    smsFrom: '',
    messagingServiceSid: '',
    contentSid: '',
    keyringProblem: null,
  };
  const person = {
    userId: 'u1',
    displayName: 'Priya',
    entityType: 'patient',
    phoneMasked: '+91 98••• ••345',
    emailMasked: 'p•••••@gmail.com',
    phoneStatus: { state: 'notVerified', invalidatedAt: null },
    emailStatus: { state: 'notVerified', invalidatedAt: null },
  } as unknown as PersonSummary;

  it('offers only what is set up', () => {
    // Rust works out usableChannels (delivery::credentials, tested there); the UI follows it.
    const usable = configuredChannels({ ...base, credentials: creds, usableChannels: ['whatsapp'] } as unknown as Health);
    expect(usable).toEqual(['whatsapp']);
    expect(channelsFor(person, 'phone', ['whatsapp', 'sms', 'email'], usable)).toEqual(['whatsapp']);
    expect(channelsFor(person, 'email', ['whatsapp', 'sms', 'email'], usable)).toEqual([]);
  });

  it('offers everything in demo mode or before health is known', () => {
    expect(configuredChannels(null)).toBeNull();
    expect(configuredChannels({ ...base, demoMode: true, credentials: creds, usableChannels: null } as unknown as Health)).toBeNull();
    expect(channelsFor(person, 'email', ['whatsapp', 'sms', 'email'], null)).toEqual(['email']);
  });

  it('counts a Messaging Service as an SMS sender', () => {
    const usable = configuredChannels({ ...base, credentials: { ...creds, whatsappFrom: '', messagingServiceSid: 'MG0123' }, usableChannels: ['sms'] } as unknown as Health);
    expect(usable).toEqual(['sms']);
    expect(channelsFor(person, 'phone', ['whatsapp', 'sms', 'email'], usable)).toEqual(['sms']);
  });
});

describe('after a right code, and consent records', () => {
  it('says verified, or in demo mode practice only (never verified)', () => {
    expect(checkedWords('phone', { targetMasked: '+91 98••• ••345', practice: false })).toEqual({
      text: 'Mobile number verified. +91 98••• ••345',
      practice: false,
    });
    const practice = checkedWords('email', { targetMasked: 'p•••@gmail.com', practice: true });
    expect(practice.practice).toBe(true);
    expect(practice.text).toBe(
      'Practice only — email address not verified. The code was shown on screen in demo mode, so nothing was proven.',
    );
    expect(practice.text).not.toContain('address verified');
  });

  it('reads each contact’s consent record', () => {
    const given = { state: 'given' as const, noticeVersion: 1, at: SENT_AT, by: 'latha.k' };
    const p = makePerson({ phoneConsent: given, emailConsent: null });
    expect(consentOf(p, 'phone')).toEqual(given);
    expect(consentOf(p, 'email')).toBeNull();
    expect(consentOf(null, 'phone')).toBeNull();
  });
});

describe('needsCountWords', () => {
  it('counts the list, its overdue ones, and the cap', () => {
    expect(needsCountWords(0, 0)).toBe('Nobody needs verifying: every contact the clinic requires is verified.');
    expect(needsCountWords(1, 0)).toBe('1 person needs verifying. Oldest first.');
    expect(needsCountWords(3, 1)).toBe('3 people need verifying, 1 overdue. Oldest first.');
    expect(needsCountWords(200, 0)).toBe('200 people need verifying (the oldest 200 shown). Oldest first.');
  });
});

describe('codeLengthIn', () => {
  it('is the setting, unless the security floor raises it', () => {
    const floor = { setting: 'otp_length', stored: 4, used: 6, message: 'Codes are set to 4 digits…' };
    expect(codeLengthIn({ otp_length: 8 }, { floorNotices: [] })).toBe(8);
    expect(codeLengthIn({ otp_length: 4 }, { floorNotices: [floor] })).toBe(6);
    expect(codeLengthIn(null, null)).toBe(6);
  });
});
