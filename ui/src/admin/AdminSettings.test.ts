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
