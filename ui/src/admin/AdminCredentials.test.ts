import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { CredentialsView } from '../lib/api';
import { FULL_SETTINGS, makeHealth } from '../test/fixtures';
import { deferred, mockDesk, type Handler } from '../test/fakeDesk';
import AdminCredentials from './AdminCredentials.svelte';

afterEach(() => {
  clearMocks();
});

const NONE: CredentialsView = makeHealth().credentials;
const APP_PASSWORD = 'abcd efgh ijkl mnop';
const SID = 'AC' + '1234567890abcdef'.repeat(2);
const TOKEN = 'f00dfeed'.repeat(4);

function setup(overrides: Record<string, Handler> = {}) {
  let view = { ...NONE };
  const desk = mockDesk({
    credentials_get: () => view,
    settings_get: () => FULL_SETTINGS,
    credentials_save_gmail: (a) => {
      const input = a.input as { address: string };
      view = { ...view, gmailConfigured: true, gmailAddress: input.address };
      return view;
    },
    credentials_save_twilio: (a) => {
      const input = a.input as { whatsappFrom?: string };
      view = { ...view, twilioConfigured: true, whatsappFrom: input.whatsappFrom ?? '' };
      return view;
    },
    credentials_delete: () => {
      view = { ...NONE };
      return view;
    },
    ...overrides,
  });
  render(AdminCredentials);
  return desk;
}

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();
const value = (id: string) => (screen.getByTestId(id) as HTMLInputElement).value;

describe('AdminCredentials', () => {
  it('says what is configured and what is not', async () => {
    setup();
    expect(await screen.findByTestId('gmail-status')).toBeTruthy();
    expect(text('gmail-status')).toContain('Not configured');
    expect(text('twilio-status')).toContain('Not configured');
    expect(screen.queryByTestId('gmail-remove')).toBeNull();
  });

  it('never shows a secret after saving Gmail: the password is sent once, then the field is empty', async () => {
    const desk = setup();
    await fireEvent.input(await screen.findByLabelText('Gmail address'), { target: { value: 'clinic@gmail.com' } });
    const password = screen.getByLabelText('App password') as HTMLInputElement;
    expect(password.type).toBe('password');
    expect(password.value).toBe('');
    await fireEvent.input(password, { target: { value: APP_PASSWORD } });
    await fireEvent.click(screen.getByTestId('gmail-save'));

    await waitFor(() => expect(text('gmail-message')).toContain('Gmail saved.'));
    expect(desk.callsTo('credentials_save_gmail')).toEqual([
      { input: { address: 'clinic@gmail.com', appPassword: APP_PASSWORD, smtpHost: 'smtp.gmail.com', smtpPort: 465, smtpTls: 'starttls' } },
    ]);
    expect(value('gmail-password')).toBe('');
    expect(text('gmail-status')).toContain('Configured: email goes from clinic@gmail.com.');
    expect(document.body.innerHTML).not.toContain('abcd efgh');
    expect(screen.getByTestId('gmail-remove')).toBeTruthy();
  });

  it('never shows a secret after saving Twilio, and clears them even when the save is refused', async () => {
    let refuse = true;
    const desk = setup({
      credentials_save_twilio: () => {
        if (refuse) throw { code: 'invalid_input', message: 'The Auth Token has 32 characters. Copy it from the Twilio console.' };
        return { ...NONE, twilioConfigured: true, whatsappFrom: '+14155238886' };
      },
    });
    await fireEvent.input(await screen.findByTestId('twilio-sid'), { target: { value: SID } });
    await fireEvent.input(screen.getByTestId('twilio-token'), { target: { value: 'short' } });
    await fireEvent.input(screen.getByTestId('twilio-whatsapp-from'), { target: { value: '+14155238886' } });
    await fireEvent.click(screen.getByTestId('twilio-save'));
    await waitFor(() => expect(text('twilio-message')).toBe('The Auth Token has 32 characters. Copy it from the Twilio console.'));
    expect(value('twilio-sid')).toBe('');
    expect(value('twilio-token')).toBe('');

    refuse = false;
    await fireEvent.input(screen.getByTestId('twilio-sid'), { target: { value: SID } });
    await fireEvent.input(screen.getByTestId('twilio-token'), { target: { value: TOKEN } });
    await fireEvent.click(screen.getByTestId('twilio-save'));
    await waitFor(() => expect(text('twilio-message')).toContain('Twilio saved.'));
    expect(desk.callsTo('credentials_save_twilio')[1]).toEqual({
      input: { accountSid: SID, authToken: TOKEN, whatsappFrom: '+14155238886', baseUrl: 'https://api.twilio.com' },
    });
    expect(value('twilio-sid')).toBe('');
    expect(value('twilio-token')).toBe('');
    expect((screen.getByTestId('twilio-token') as HTMLInputElement).type).toBe('password');
    expect(document.body.innerHTML).not.toContain(TOKEN);
    expect(document.body.innerHTML).not.toContain(SID);
    expect(text('twilio-status')).toContain('WhatsApp from +14155238886');
  });

  it('shows a keyring problem prominently', async () => {
    setup({ credentials_get: () => ({ ...NONE, keyringProblem: 'The system keyring is locked. Unlock it and try again.' }) });
    expect((await screen.findByTestId('keyring-problem')).textContent).toBe(
      'The system keyring is locked. Unlock it and try again.',
    );
  });

  it('sends a test message and shows the answer in words, with progress', async () => {
    const answer = deferred<unknown>();
    const desk = setup({
      credentials_get: () => ({ ...NONE, gmailConfigured: true, gmailAddress: 'clinic@gmail.com' }),
      credentials_test: () => answer.promise,
    });
    await fireEvent.input(await screen.findByLabelText('Send a test email to'), { target: { value: 'me@example.com' } });
    await fireEvent.click(screen.getByTestId('test-send-gmail'));
    expect((await screen.findByText('Sending test…', {}, { timeout: 2000 })).textContent).toContain('Sending test…');
    answer.resolve({ provider: 'gmail', ok: true, message: 'Gmail accepted the test message for m•••@example.com.', testedAt: '' });
    await waitFor(() => expect(text('test-result-gmail')).toBe('Gmail accepted the test message for m•••@example.com.'));
    expect(screen.getByTestId('test-result-gmail').dataset.ok).toBe('true');
    expect(desk.callsTo('credentials_test')).toEqual([{ provider: 'gmail', to: 'me@example.com' }]);
  });

  it('shows a failed test as a problem', async () => {
    setup({
      credentials_get: () => ({ ...NONE, twilioConfigured: true, smsFrom: '+15005550006' }),
      credentials_test: () => ({ provider: 'twilio_sms', ok: false, message: 'Twilio refused the Auth Token. Copy it again.', testedAt: '' }),
    });
    await fireEvent.input(await screen.findByTestId('test-to-twilio_sms'), { target: { value: '+919845012345' } });
    await fireEvent.click(screen.getByTestId('test-send-twilio_sms'));
    await waitFor(() => expect(text('test-result-twilio_sms')).toBe('Twilio refused the Auth Token. Copy it again.'));
    expect(screen.getByTestId('test-result-twilio_sms').dataset.ok).toBe('false');
  });

  it('removes Gmail after a second, explicit click', async () => {
    const desk = setup({ credentials_get: () => ({ ...NONE, gmailConfigured: true, gmailAddress: 'clinic@gmail.com' }) });
    await fireEvent.click(await screen.findByTestId('gmail-remove'));
    expect(desk.callsTo('credentials_delete')).toEqual([]);
    await fireEvent.click(screen.getByTestId('gmail-remove-confirm'));
    await waitFor(() => expect(text('gmail-status')).toContain('Not configured'));
    expect(desk.callsTo('credentials_delete')).toEqual([{ provider: 'gmail' }]);
  });
});

describe('AdminCredentials: a saved secret goes only where it was typed for', () => {
  const GMAIL_SET: CredentialsView = { ...NONE, gmailConfigured: true, gmailAddress: 'clinic@gmail.com', smtpHost: 'smtp.gmail.com', smtpPort: 587 };
  const TWILIO_SET: CredentialsView = { ...NONE, twilioConfigured: true, whatsappFrom: '+14155238886' };

  it('Gmail set up: a blank password keeps the saved one when nothing else moves', async () => {
    const desk = setup({ credentials_get: () => GMAIL_SET, credentials_save_gmail: () => GMAIL_SET });
    const tls = (await screen.findByTestId('gmail-smtp-tls')) as HTMLSelectElement;
    await waitFor(() => expect(tls.value).toBe('starttls')); // the settings part has loaded
    await fireEvent.input(screen.getByTestId('gmail-from-name'), { target: { value: 'Skinspire' } });
    expect(screen.queryByTestId('gmail-password-again')).toBeNull();
    expect((screen.getByTestId('gmail-password') as HTMLInputElement).required).toBe(false);
    await fireEvent.click(screen.getByTestId('gmail-save'));
    await waitFor(() => expect(desk.callsTo('credentials_save_gmail')).toHaveLength(1));
    expect(desk.callsTo('credentials_save_gmail')[0]).toMatchObject({
      input: { address: 'clinic@gmail.com', appPassword: '', smtpHost: 'smtp.gmail.com', smtpPort: 587, fromName: 'Skinspire' },
    });
  });

  it('Gmail set up: a new server makes the password required, and nothing is sent without it', async () => {
    const desk = setup({ credentials_get: () => GMAIL_SET, credentials_save_gmail: () => GMAIL_SET });
    await fireEvent.input(await screen.findByTestId('gmail-smtp-host'), { target: { value: 'smtp.example.com' } });
    const again = 'Type the password again: a saved password is only sent to the server it was typed for.';
    expect(text('gmail-password-again')).toBe(again);
    const password = screen.getByTestId('gmail-password') as HTMLInputElement;
    expect(password.required).toBe(true);
    expect(password.getAttribute('aria-describedby')).toContain('gmail-password-again');
    await fireEvent.click(screen.getByTestId('gmail-save'));
    expect(text('gmail-message')).toBe(again);
    expect(desk.callsTo('credentials_save_gmail')).toEqual([]);

    await fireEvent.input(password, { target: { value: APP_PASSWORD } });
    await fireEvent.click(screen.getByTestId('gmail-save'));
    await waitFor(() => expect(desk.callsTo('credentials_save_gmail')).toHaveLength(1));
    expect(desk.callsTo('credentials_save_gmail')[0]).toMatchObject({ input: { smtpHost: 'smtp.example.com', appPassword: APP_PASSWORD } });
  });

  it('Gmail set up: a new port or address also needs the password again', async () => {
    setup({ credentials_get: () => GMAIL_SET });
    await fireEvent.input(await screen.findByTestId('gmail-smtp-port'), { target: { value: '465' } });
    expect(screen.getByTestId('gmail-password-again')).toBeTruthy();
    await fireEvent.input(screen.getByTestId('gmail-smtp-port'), { target: { value: '587' } });
    expect(screen.queryByTestId('gmail-password-again')).toBeNull();
    await fireEvent.input(screen.getByTestId('gmail-address'), { target: { value: 'desk@gmail.com' } });
    expect(screen.getByTestId('gmail-password-again')).toBeTruthy();
  });

  it('Twilio set up: a new API address needs the SID and token again', async () => {
    const desk = setup({ credentials_get: () => TWILIO_SET, credentials_save_twilio: () => TWILIO_SET });
    const url = await screen.findByTestId('twilio-base-url');
    await waitFor(() => expect((url as HTMLInputElement).value).toBe('https://api.twilio.com'));
    expect(screen.queryByTestId('twilio-secrets-again')).toBeNull();
    expect((screen.getByTestId('twilio-token') as HTMLInputElement).required).toBe(false);

    await fireEvent.input(url, { target: { value: 'http://127.0.0.1:8089' } });
    const again = 'Type the Account SID and Auth Token again: saved ones are only sent to the address they were typed for.';
    expect(text('twilio-secrets-again')).toBe(again);
    expect((screen.getByTestId('twilio-sid') as HTMLInputElement).required).toBe(true);
    expect((screen.getByTestId('twilio-token') as HTMLInputElement).required).toBe(true);
    await fireEvent.click(screen.getByTestId('twilio-save'));
    expect(text('twilio-message')).toBe(again);
    expect(desk.callsTo('credentials_save_twilio')).toEqual([]);

    // Back to the saved address: blank SID and token keep the saved ones (e.g. a new sender number).
    await fireEvent.input(url, { target: { value: 'https://api.twilio.com' } });
    await fireEvent.click(screen.getByTestId('twilio-save'));
    await waitFor(() => expect(desk.callsTo('credentials_save_twilio')).toHaveLength(1));
    expect(desk.callsTo('credentials_save_twilio')[0]).toMatchObject({ input: { accountSid: '', authToken: '' } });
  });
});
