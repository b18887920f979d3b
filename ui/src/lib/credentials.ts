// The credentials screen: what the admin typed → the inputs `credentials_save_*` receive
// (blank optional fields left out), and the words for each provider's state.
import type { CredentialsView, GmailInput, Provider, SmtpTls, TestResult, TwilioInput } from './api';

export type GmailForm = {
  address: string;
  appPassword: string;
  fromName: string;
  smtpHost: string;
  smtpPort: string;
  smtpTls: SmtpTls | '';
};

export type TwilioForm = {
  accountSid: string;
  authToken: string;
  whatsappFrom: string;
  smsFrom: string;
  messagingServiceSid: string;
  contentSid: string;
  baseUrl: string;
};

/** The Gmail input, or the words for what is missing. Secrets are passed as typed. */
export function gmailInput(form: GmailForm): { input: GmailInput } | { problem: string } {
  const address = form.address.trim();
  if (address === '') return { problem: "Type the clinic's Gmail address, like clinic@gmail.com." };
  if (form.appPassword.trim() === '') {
    return { problem: 'Type the app password (16 letters, from Google account → Security → App passwords).' };
  }
  const input: GmailInput = { address, appPassword: form.appPassword };
  if (form.fromName.trim() !== '') input.fromName = form.fromName.trim();
  if (form.smtpHost.trim() !== '') input.smtpHost = form.smtpHost.trim();
  const port = form.smtpPort.trim();
  if (port !== '') {
    const n = /^\d+$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) return { problem: 'The SMTP port must be a number between 1 and 65535.' };
    input.smtpPort = n;
  }
  if (form.smtpTls === 'starttls' || form.smtpTls === 'tls') input.smtpTls = form.smtpTls;
  return { input };
}

export function twilioInput(form: TwilioForm): { input: TwilioInput } | { problem: string } {
  const accountSid = form.accountSid.trim();
  const authToken = form.authToken.trim();
  if (accountSid === '') return { problem: 'Type the Account SID (it starts with AC). Copy it from the Twilio console.' };
  if (authToken === '') return { problem: 'Type the Auth Token. Copy it from the Twilio console.' };
  const input: TwilioInput = { accountSid, authToken };
  const optional = ['whatsappFrom', 'smsFrom', 'messagingServiceSid', 'contentSid', 'baseUrl'] as const;
  for (const key of optional) {
    const v = form[key].trim();
    if (v !== '') input[key] = v;
  }
  return { input };
}

export function gmailStateWords(view: CredentialsView): string {
  return view.gmailConfigured
    ? `Configured: email goes from ${view.gmailAddress}.`
    : 'Not configured: email codes go to the demo outbox.';
}

export function twilioStateWords(view: CredentialsView): string {
  if (!view.twilioConfigured) return 'Not configured: WhatsApp and SMS codes go to the demo outbox.';
  const senders = [
    view.whatsappFrom ? `WhatsApp from ${view.whatsappFrom}` : '',
    view.smsFrom ? `SMS from ${view.smsFrom}` : '',
    view.messagingServiceSid ? 'a Messaging Service' : '',
  ].filter(Boolean);
  return senders.length > 0 ? `Configured: ${senders.join(', ')}.` : 'Configured.';
}

export const TEST_PROVIDERS: readonly { provider: Provider; label: string; toLabel: string; hint: string }[] = [
  { provider: 'gmail', label: 'email', toLabel: 'Send a test email to', hint: 'An email address you can check.' },
  {
    provider: 'twilio_whatsapp',
    label: 'WhatsApp message',
    toLabel: 'Send a test WhatsApp message to',
    hint: 'A mobile number with WhatsApp, like +91 98450 12345.',
  },
  { provider: 'twilio_sms', label: 'SMS', toLabel: 'Send a test SMS to', hint: 'A mobile number, like +91 98450 12345.' },
];

/** "✓ Gmail accepted …" / "✕ …": the provider's answer as a line to show. */
export function testResultWords(result: Pick<TestResult, 'ok' | 'message'>): { text: string; tone: 'ok' | 'problem' } {
  const message = result.message.trim() || (result.ok ? 'The test message was accepted.' : 'The test message could not be sent.');
  return { text: message, tone: result.ok ? 'ok' : 'problem' };
}
