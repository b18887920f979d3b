import { describe, expect, it } from 'vitest';
import { makeHealth } from '../test/fixtures';
import { gmailInput, gmailStateWords, testResultWords, twilioInput, twilioStateWords, type GmailForm, type TwilioForm } from './credentials';

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
