import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FULL_SETTINGS, makeHealth } from '../test/fixtures';
import { mockDesk } from '../test/fakeDesk';
import AdminSettings from './AdminSettings.svelte';

afterEach(() => {
  clearMocks();
});

function setup(update: (args: Record<string, unknown>) => unknown = (a) => ({ ...FULL_SETTINGS, ...(a.patch as object) })) {
  let stored = { ...FULL_SETTINGS };
  const desk = mockDesk({
    settings_get: () => stored,
    settings_update: (args) => {
      const result = update(args);
      stored = result as typeof stored;
      return result;
    },
  });
  const onsaved = vi.fn();
  render(AdminSettings, { onsaved });
  return { desk, onsaved };
}

function message(): string {
  return (screen.getByTestId('settings-message').textContent ?? '').replace(/\s+/g, ' ').trim();
}

describe('AdminSettings', () => {
  it('shows each setting with a visible label and its allowed range', async () => {
    setup();
    const length = (await screen.findByLabelText('Code length')) as HTMLInputElement;
    expect(length.value).toBe('6');
    expect(length).toBe(screen.getByTestId('setting-otp_length'));
    const hint = document.getElementById(length.getAttribute('aria-describedby')!.split(' ')[0]!);
    expect(hint?.textContent).toContain('Allowed: 4 to 8.');
    expect((screen.getByTestId('setting-idle_lock_minutes') as HTMLInputElement).value).toBe('5');
    expect((screen.getByLabelText('Mobile numbers must be verified') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('setting-clinic_name') as HTMLInputElement).value).toBe('Skinspire Clinic, Jayanagar');
  });

  it('saves only the keys that changed, typed, and says so', async () => {
    const { desk, onsaved } = setup();
    await fireEvent.input(await screen.findByTestId('setting-otp_length'), { target: { value: '8' } });
    await fireEvent.click(screen.getByTestId('setting-require_email_verification'));
    await fireEvent.click(screen.getByRole('button', { name: 'Move SMS up' }));
    await fireEvent.click(screen.getByTestId('settings-save'));

    await waitFor(() => expect(message()).toBe('Settings saved.'));
    expect(desk.callsTo('settings_update')).toEqual([
      { patch: { otp_length: 8, require_email_verification: false, channel_order: ['sms', 'whatsapp', 'email'] } },
    ]);
    expect(onsaved).toHaveBeenCalledWith(expect.objectContaining({ otp_length: 8 }));
    // The form now shows the saved values; saving again changes nothing.
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(message()).toContain('Nothing has changed.');
    expect(desk.callsTo('settings_update')).toHaveLength(1);
  });

  it('shows a range error beside the field and in the message, and sends nothing', async () => {
    const { desk } = setup();
    const field = await screen.findByTestId('setting-otp_length');
    await fireEvent.input(field, { target: { value: '9' } });
    await fireEvent.click(screen.getByTestId('settings-save'));

    expect(message()).toContain('Code length must be between 4 and 8.');
    expect(screen.getByTestId('setting-error-otp_length').textContent).toBe('Code length must be between 4 and 8.');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(field);
    expect(desk.callsTo('settings_update')).toEqual([]);
  });

  it('shows the Rust error message next to the form when the save is refused', async () => {
    const refusal = 'Wait for WhatsApp delivery (seconds) must be between 30 and 600.';
    setup(() => {
      throw { code: 'invalid_setting', message: refusal };
    });
    await fireEvent.input(await screen.findByTestId('setting-whatsapp_delivery_timeout_seconds'), {
      target: { value: '45' },
    });
    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(message()).toContain(refusal));
  });

  it('moves channels with the keyboard-reachable Up and Down buttons, keeping focus on the channel', async () => {
    setup();
    const up = await screen.findByRole('button', { name: 'Move Email up' });
    await fireEvent.click(up);
    const items = () => [...screen.getByTestId('setting-channel_order').querySelectorAll('li')].map((li) => li.dataset.channel);
    expect(items()).toEqual(['whatsapp', 'email', 'sms']);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Move Email up' })));
    await fireEvent.click(screen.getByRole('button', { name: 'Move Email up' }));
    expect(items()).toEqual(['email', 'whatsapp', 'sms']);
    // At the top "Up" is off; the keyboard goes to "Down".
    expect((screen.getByRole('button', { name: 'Move Email up' }) as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Move Email down' })));
  });
});

describe('AdminSettings: the security floor and secret-bound settings', () => {
  const FLOOR = 'Codes are set to 4 digits, below the 6 that security standards ask for: the desk sends 6-digit codes.';

  it('shows a floor notice under the setting it concerns', async () => {
    mockDesk({
      settings_get: () => ({ ...FULL_SETTINGS, otp_length: 4 }),
      delivery_health: () => makeHealth({ floorNotices: [{ setting: 'otp_length', stored: 4, used: 6, message: FLOOR }] }),
    });
    render(AdminSettings);
    const notice = await screen.findByTestId('floor-notice-otp_length');
    expect(notice.textContent).toContain(FLOOR);
    const length = screen.getByTestId('setting-otp_length');
    expect(length.closest('.form-field')).toBe(notice.closest('.form-field'));
    expect(length.getAttribute('aria-describedby')).toContain('setting-otp_length-floor');
    expect(screen.queryByTestId('floor-notice-otp_expiry_minutes')).toBeNull();
  });

  it('offers no field for the settings that change only with a secret', async () => {
    setup();
    await screen.findByTestId('settings-form');
    for (const name of ['gmail_address', 'smtp_host', 'smtp_port', 'smtp_tls', 'smtp_ca_file', 'twilio_base_url']) {
      expect(screen.queryByTestId(`setting-${name}`)).toBeNull();
    }
    expect(screen.getByTestId('settings-credentials-note').textContent).toContain('under Credentials');
  });
});

describe('AdminSettings: settings the clinic system sets for every desk', () => {
  const CENTRAL = [
    { name: 'otp_length', label: 'Code length', value: 8 },
    { name: 'require_email_verification', label: 'Email addresses must be verified', value: false },
    { name: 'channel_order', label: 'Channel order', value: ['sms', 'whatsapp'] },
    // A name the form has no field for is left alone.
    { name: 'gmail_address', label: 'Gmail address', value: 'clinic@gmail.com' },
  ];
  const NOTE = 'Set in the clinic system for every desk.';

  function withCentral(central: () => unknown = () => CENTRAL) {
    let stored = { ...FULL_SETTINGS };
    const desk = mockDesk({
      settings_get: () => stored,
      settings_central: central,
      settings_update: (args) => {
        stored = { ...stored, ...(args.patch as object) };
        return stored;
      },
    });
    render(AdminSettings);
    return desk;
  }

  it("shows each one with the clinic's value, read-only, and says where it is set", async () => {
    withCentral();
    const note = await screen.findByTestId('setting-central-otp_length');
    expect(note.textContent).toBe(NOTE);
    const length = screen.getByTestId('setting-otp_length') as HTMLInputElement;
    expect(length.disabled).toBe(true);
    expect(length.value).toBe('8');
    expect(length.getAttribute('aria-describedby')).toContain('setting-otp_length-central');
    expect(length.closest('.form-field')).toBe(note.closest('.form-field'));

    const email = screen.getByTestId('setting-require_email_verification') as HTMLInputElement;
    expect(email.disabled).toBe(true);
    expect(email.checked).toBe(false);
    expect(screen.getByTestId('setting-central-require_email_verification').textContent).toBe(NOTE);

    const order = [...screen.getByTestId('setting-channel_order').querySelectorAll('li')].map((li) => li.dataset.channel);
    expect(order).toEqual(['sms', 'whatsapp', 'email']);
    for (const c of ['sms', 'whatsapp', 'email']) {
      expect((screen.getByTestId(`order-up-${c}`) as HTMLButtonElement).disabled).toBe(true);
      expect((screen.getByTestId(`order-down-${c}`) as HTMLButtonElement).disabled).toBe(true);
    }
    expect(screen.getByTestId('setting-central-channel_order').textContent).toBe(NOTE);

    // The desk's own settings stay open, with no note.
    expect((screen.getByTestId('setting-max_otp_attempts') as HTMLInputElement).disabled).toBe(false);
    expect((screen.getByTestId('setting-require_phone_verification') as HTMLInputElement).disabled).toBe(false);
    expect(screen.queryByTestId('setting-central-max_otp_attempts')).toBeNull();
    expect(screen.queryByTestId('setting-central-gmail_address')).toBeNull();
  });

  it('never sends them when another change is saved', async () => {
    const desk = withCentral();
    await screen.findByTestId('setting-central-otp_length');
    await fireEvent.input(screen.getByTestId('setting-max_otp_attempts'), { target: { value: '5' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(message()).toBe('Settings saved.'));
    expect(desk.callsTo('settings_update')).toEqual([{ patch: { max_otp_attempts: 5 } }]);
    const patch = desk.callsTo('settings_update')[0]?.patch as Record<string, unknown>;
    for (const name of ['otp_length', 'require_email_verification', 'channel_order', 'gmail_address']) {
      expect(patch).not.toHaveProperty(name);
    }
    // Still read-only, still the clinic's value, after the save.
    expect((screen.getByTestId('setting-otp_length') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByTestId('setting-otp_length') as HTMLInputElement).value).toBe('8');
  });

  it('keeps every field open when they cannot be read', async () => {
    const desk = withCentral(() => {
      throw { code: 'internal', message: 'The desk could not do that.' };
    });
    const length = (await screen.findByTestId('setting-otp_length')) as HTMLInputElement;
    await waitFor(() => expect(desk.callsTo('settings_central')).toHaveLength(1));
    expect(length.disabled).toBe(false);
    expect(screen.queryByTestId('setting-central-otp_length')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    await fireEvent.input(length, { target: { value: '8' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(message()).toBe('Settings saved.'));
    expect(desk.callsTo('settings_update')).toEqual([{ patch: { otp_length: 8 } }]);
  });
});
