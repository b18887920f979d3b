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

/** Said when a saved secret would go to a new server: it must be typed again. */
export const GMAIL_PASSWORD_AGAIN =
  'Type the password again: a saved password is only sent to the server it was typed for.';
export const TWILIO_SECRETS_AGAIN =
  'Type the Account SID and Auth Token again: saved ones are only sent to the address they were typed for.';

/** Where the saved Gmail password goes now (from `credentials_get`). */
export type SavedGmail = { configured: boolean; address: string; smtpHost: string; smtpPort: number | null };
/** Where the saved Twilio SID and token go now (the `twilio_base_url` setting). */
export type SavedTwilio = { configured: boolean; baseUrl: string };

/**
 * True when the form would send the saved Gmail password somewhere new: another address,
 * server or port (as the Rust side decides it; blank server or port means "keep").
 */
export function gmailRedirected(form: GmailForm, saved: SavedGmail): boolean {
  if (!saved.configured) return false;
  const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  const host = form.smtpHost.trim();
  const port = form.smtpPort.trim();
  return (
    (host !== '' && !same(host, saved.smtpHost)) ||
    (port !== '' && port !== String(saved.smtpPort ?? '')) ||
    (saved.address.trim() !== '' && !same(form.address, saved.address))
  );
}

/** True when the form would send the saved Twilio SID and token to a new address. */
export function twilioRedirected(form: TwilioForm, saved: SavedTwilio): boolean {
  if (!saved.configured) return false;
  const url = form.baseUrl.trim().replace(/\/+$/, '');
  return url !== '' && url !== saved.baseUrl.trim().replace(/\/+$/, '');
}

/**
 * The Gmail input, or the words for what is missing. Secrets are passed as typed. A blank app
 * password keeps the saved one (`saved`), unless the address, server or port changes.
 */
export function gmailInput(form: GmailForm, saved?: SavedGmail): { input: GmailInput } | { problem: string } {
  const address = form.address.trim();
  if (address === '') return { problem: "Type the clinic's Gmail address, like clinic@gmail.com." };
  if (form.appPassword.trim() === '') {
    if (saved && gmailRedirected(form, saved)) return { problem: GMAIL_PASSWORD_AGAIN };
    if (!saved?.configured) {
      return { problem: 'Type the app password (16 letters, from Google account → Security → App passwords).' };
    }
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

/**
 * The Twilio input, or the words for what is missing. Blank SID and token keep the saved ones
 * (`saved`), unless the API address changes.
 */
export function twilioInput(form: TwilioForm, saved?: SavedTwilio): { input: TwilioInput } | { problem: string } {
  const accountSid = form.accountSid.trim();
  const authToken = form.authToken.trim();
  if (saved && twilioRedirected(form, saved) && (accountSid === '' || authToken === '')) {
    return { problem: TWILIO_SECRETS_AGAIN };
  }
  if (!saved?.configured) {
    if (accountSid === '') return { problem: 'Type the Account SID (it starts with AC). Copy it from the Twilio console.' };
    if (authToken === '') return { problem: 'Type the Auth Token. Copy it from the Twilio console.' };
  }
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
