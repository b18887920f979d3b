import { describe, expect, it } from 'vitest';
import { makeHealth } from '../test/fixtures';
import {
  GMAIL_PASSWORD_AGAIN,
  gmailInput,
  gmailRedirected,
  gmailStateWords,
  testResultWords,
  TWILIO_SECRETS_AGAIN,
  twilioInput,
  twilioRedirected,
  twilioStateWords,
  type GmailForm,
  type SavedGmail,
  type SavedTwilio,
  type TwilioForm,
} from './credentials';

const GMAIL: GmailForm = { address: ' clinic@gmail.com ', appPassword: 'abcd efgh ijkl mnop', fromName: '', smtpHost: '', smtpPort: '', smtpTls: '' };
const TWILIO: TwilioForm = {
  accountSid: 'AC' + '0'.repeat(32),
  authToken: 'f'.repeat(32),
  whatsappFrom: '+14155238886',
  smsFrom: '',
  messagingServiceSid: ' ',
  contentSid: '',
  baseUrl: '',
};

describe('gmailInput', () => {
  it('leaves blank optional fields out and passes the password as typed', () => {
    expect(gmailInput(GMAIL)).toEqual({ input: { address: 'clinic@gmail.com', appPassword: 'abcd efgh ijkl mnop' } });
  });

  it('includes the advanced fields when filled', () => {
    expect(gmailInput({ ...GMAIL, smtpHost: 'smtp.example.org', smtpPort: '465', smtpTls: 'tls', fromName: 'Skinspire' })).toEqual({
      input: {
        address: 'clinic@gmail.com',
        appPassword: 'abcd efgh ijkl mnop',
        fromName: 'Skinspire',
        smtpHost: 'smtp.example.org',
        smtpPort: 465,
        smtpTls: 'tls',
      },
    });
  });

  it('says what is missing', () => {
    expect(gmailInput({ ...GMAIL, appPassword: '' })).toMatchObject({ problem: expect.stringContaining('app password') });
    expect(gmailInput({ ...GMAIL, address: '' })).toMatchObject({ problem: expect.stringContaining('Gmail address') });
    expect(gmailInput({ ...GMAIL, smtpPort: '70000' })).toMatchObject({ problem: expect.stringContaining('1 and 65535') });
  });
});

describe('twilioInput', () => {
  it('keeps what was filled in', () => {
    expect(twilioInput(TWILIO)).toEqual({
      input: { accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, whatsappFrom: '+14155238886' },
    });
  });

  it('needs the SID and the token every time', () => {
    expect(twilioInput({ ...TWILIO, accountSid: '' })).toMatchObject({ problem: expect.stringContaining('Account SID') });
    expect(twilioInput({ ...TWILIO, authToken: '' })).toMatchObject({ problem: expect.stringContaining('Auth Token') });
  });
});

describe('state words', () => {
  it('configured or not, with senders', () => {
    const c = makeHealth().credentials;
    expect(gmailStateWords(c)).toContain('Not configured');
    expect(gmailStateWords({ ...c, gmailConfigured: true, gmailAddress: 'clinic@gmail.com' })).toBe(
      'Configured: email goes from clinic@gmail.com.',
    );
    expect(twilioStateWords({ ...c, twilioConfigured: true, whatsappFrom: '+14155238886' })).toBe(
      'Configured: WhatsApp from +14155238886.',
    );
  });

  it('a test result in words', () => {
    expect(testResultWords({ ok: true, message: 'Gmail accepted the test message.' })).toEqual({
      text: 'Gmail accepted the test message.',
      tone: 'ok',
    });
    expect(testResultWords({ ok: false, message: '' }).tone).toBe('problem');
  });
});

describe('saved secrets go only where they were typed for', () => {
  const SAVED: SavedGmail = { configured: true, address: 'clinic@gmail.com', smtpHost: 'smtp.gmail.com', smtpPort: 587 };
  const SAME: GmailForm = { ...GMAIL, appPassword: '', smtpHost: 'smtp.gmail.com', smtpPort: '587' };

  it('Gmail: a blank password keeps the saved one for the same address, server and port', () => {
    expect(gmailRedirected(SAME, SAVED)).toBe(false);
    expect(gmailRedirected({ ...SAME, address: 'CLINIC@gmail.com', smtpHost: '' }, SAVED)).toBe(false);
    expect(gmailInput(SAME, SAVED)).toEqual({
      input: { address: 'clinic@gmail.com', appPassword: '', smtpHost: 'smtp.gmail.com', smtpPort: 587 },
    });
  });

  it('Gmail: a new server, port or address needs the password typed again', () => {
    for (const changed of [{ smtpHost: 'smtp.example.com' }, { smtpPort: '465' }, { address: 'other@gmail.com' }]) {
      const form = { ...SAME, ...changed };
      expect(gmailRedirected(form, SAVED)).toBe(true);
      expect(gmailInput(form, SAVED)).toEqual({ problem: GMAIL_PASSWORD_AGAIN });
      expect('input' in gmailInput({ ...form, appPassword: 'abcd efgh ijkl mnop' }, SAVED)).toBe(true);
    }
    expect(GMAIL_PASSWORD_AGAIN).toBe('Type the password again: a saved password is only sent to the server it was typed for.');
  });

  it('Gmail not set up yet: the password is always needed', () => {
    const none: SavedGmail = { configured: false, address: '', smtpHost: 'smtp.gmail.com', smtpPort: 465 };
    expect(gmailRedirected({ ...SAME, smtpHost: 'smtp.example.com' }, none)).toBe(false);
    expect(gmailInput(SAME, none)).toEqual({
      problem: 'Type the app password (16 letters, from Google account → Security → App passwords).',
    });
  });

  it('Twilio: blank SID and token keep the saved ones, unless the API address changes', () => {
    const saved: SavedTwilio = { configured: true, baseUrl: 'https://api.twilio.com' };
    const blank: TwilioForm = { ...TWILIO, accountSid: '', authToken: '', baseUrl: 'https://api.twilio.com/' };
    expect(twilioRedirected(blank, saved)).toBe(false);
    expect(twilioInput(blank, saved)).toEqual({
      input: { accountSid: '', authToken: '', whatsappFrom: '+14155238886', baseUrl: 'https://api.twilio.com/' },
    });
    const moved = { ...blank, baseUrl: 'http://127.0.0.1:8089' };
    expect(twilioRedirected(moved, saved)).toBe(true);
    expect(twilioInput(moved, saved)).toEqual({ problem: TWILIO_SECRETS_AGAIN });
    expect(twilioInput({ ...moved, accountSid: TWILIO.accountSid }, saved)).toEqual({ problem: TWILIO_SECRETS_AGAIN });
    expect('input' in twilioInput({ ...moved, accountSid: TWILIO.accountSid, authToken: TWILIO.authToken }, saved)).toBe(true);
    expect(twilioInput(blank, { configured: false, baseUrl: '' })).toMatchObject({ problem: expect.stringContaining('Account SID') });
  });
});
