import { describe, expect, it } from 'vitest';
import type { Settings } from './api';
import { FULL_SETTINGS as STORED } from '../test/fixtures';
import {
  centralValues,
  channelList,
  fieldProblem,
  formProblems,
  moveChannel,
  movedWords,
  parseWhole,
  floorNoticesFor,
  rangeWords,
  SECRET_BOUND_SETTINGS,
  SETTING_FIELDS,
  settingsPatch,
  toForm,
} from './settings';


const field = (name: string) => SETTING_FIELDS.find((f) => f.name === name)!;

describe('the settings the form offers', () => {
  it('covers the clinic’s names with their ranges', () => {
    const ranges = Object.fromEntries(SETTING_FIELDS.filter((f) => f.kind === 'int').map((f) => [f.name, [f.min, f.max]]));
    expect(ranges).toMatchObject({
      otp_length: [4, 8],
      otp_expiry_minutes: [1, 60],
      max_otp_attempts: [1, 10],
      verification_grace_period_days: [0, 30],
      idle_lock_minutes: [1, 60],
    });
    for (const name of [
      'require_phone_verification',
      'require_email_verification',
      'verification_required_for_staff',
      'verification_required_for_patients',
      'channel_order',
      'resend_cooldown_seconds',
      'max_sends_per_target_per_10_min',
      'max_sends_per_staff_per_hour',
      'max_sends_per_desk_per_hour',
      'max_sends_per_day',
      'verification_validity_months',
      'clinic_name',
      'default_language',
      'gmail_daily_limit',
      'whatsapp_delivery_timeout_seconds',
    ]) {
      expect(SETTING_FIELDS.some((f) => f.name === name), name).toBe(true);
    }
  });

  it('shows each range in words', () => {
    expect(rangeWords(field('otp_length'))).toBe('4 to 8');
    expect(rangeWords(field('max_sends_per_day'))).toBe('1 to 10,000');
    expect(rangeWords(field('clinic_name'))).toBe('');
  });
});

describe('toForm', () => {
  it('turns numbers into text, keeps ticks, completes the channel list', () => {
    const form = toForm({ ...STORED, channel_order: ['sms', 'whatsapp'] });
    expect(form.otp_length).toBe('6');
    expect(form.require_phone_verification).toBe(true);
    expect(form.channel_order).toEqual(['sms', 'whatsapp', 'email']);
    expect(form.clinic_name).toBe('Skinspire Clinic, Jayanagar');
  });

  it('channelList drops unknown and repeated channels', () => {
    expect(channelList(['email', 'fax', 'email'])).toEqual(['email', 'whatsapp', 'sms']);
    expect(channelList(undefined)).toEqual(['whatsapp', 'sms', 'email']);
  });
});

describe('checking values', () => {
  it('uses Rust’s words for ranges', () => {
    expect(fieldProblem(field('otp_length'), '9')).toBe('Code length must be between 4 and 8.');
    expect(fieldProblem(field('otp_length'), '3')).toBe('Code length must be between 4 and 8.');
    expect(fieldProblem(field('otp_length'), '8')).toBeNull();
    expect(fieldProblem(field('verification_grace_period_days'), '0')).toBeNull();
  });

  it('wants whole numbers', () => {
    expect(fieldProblem(field('otp_length'), '')).toBe('Code length must be a whole number.');
    expect(fieldProblem(field('otp_length'), '6.5')).toBe('Code length must be a whole number.');
    expect(parseWhole(' 1,000 ')).toBe(1000);
    expect(parseWhole('abc')).toBeNull();
  });

  it('checks the clinic name and the channel list', () => {
    expect(fieldProblem(field('clinic_name'), '  ')).toBe('Clinic name must be 1 to 80 characters.');
    expect(fieldProblem(field('channel_order'), [])).toContain('at least one');
  });

  it('formProblems lists every bad field by name', () => {
    const form = { ...toForm(STORED), otp_length: '9', idle_lock_minutes: '0' };
    expect(formProblems(form)).toEqual({
      otp_length: 'Code length must be between 4 and 8.',
      idle_lock_minutes: 'Lock after idle (minutes) must be between 1 and 60.',
    });
    expect(formProblems(toForm(STORED))).toEqual({});
  });
});

describe('settingsPatch (only what changed, typed)', () => {
  it('is empty when nothing changed', () => {
    expect(settingsPatch(STORED, toForm(STORED))).toEqual({});
  });

  it('sends changed numbers as numbers, ticks as booleans, the list as a list', () => {
    const form = {
      ...toForm(STORED),
      otp_length: '8',
      require_email_verification: false,
      channel_order: ['sms', 'whatsapp', 'email'] as const,
    };
    expect(settingsPatch(STORED, { ...form, channel_order: [...form.channel_order] })).toEqual({
      otp_length: 8,
      require_email_verification: false,
      channel_order: ['sms', 'whatsapp', 'email'],
    });
  });

  it('ignores a number typed differently but equal, and spaces around the clinic name', () => {
    const form = { ...toForm(STORED), otp_length: ' 6 ', clinic_name: ' Skinspire Clinic, Jayanagar ' };
    expect(settingsPatch(STORED, form)).toEqual({});
  });

  it('sends the trimmed clinic name and a changed language', () => {
    const form = { ...toForm(STORED), clinic_name: '  Skinspire Koramangala ', default_language: 'kn' };
    expect(settingsPatch(STORED, form)).toEqual({ clinic_name: 'Skinspire Koramangala', default_language: 'kn' });
  });

  it('does not send an unchanged short channel list just because the form completes it', () => {
    const stored = { ...STORED, channel_order: ['whatsapp', 'sms'] as Settings['channel_order'] };
    expect(settingsPatch(stored, toForm(stored))).toEqual({});
  });
});

describe('settings the clinic system sets', () => {
  it('keeps only the ones the form has a field for, by name', () => {
    expect(
      centralValues([
        { name: 'otp_length', label: 'Code length', value: 8 },
        { name: 'channel_order', label: 'Channel order', value: ['sms'] },
        { name: 'gmail_address', label: 'Gmail address', value: 'clinic@gmail.com' },
        { name: 'no_such_setting', label: 'Nothing', value: null },
      ]),
    ).toEqual({ otp_length: 8, channel_order: ['sms'] });
    expect(centralValues(null)).toEqual({});
  });

  it('are never in the patch, and never checked, whatever the form holds', () => {
    const form = { ...toForm(STORED), otp_length: '9', max_otp_attempts: '5' };
    expect(settingsPatch(STORED, form, ['otp_length'])).toEqual({ max_otp_attempts: 5 });
    expect(formProblems(form, ['otp_length'])).toEqual({});
    expect(formProblems(form)).toHaveProperty('otp_length');
  });
});

describe('moving channels', () => {
  it('moves up and down, and stays put at the ends', () => {
    expect(moveChannel(['whatsapp', 'sms', 'email'], 1, -1)).toEqual(['sms', 'whatsapp', 'email']);
    expect(moveChannel(['whatsapp', 'sms', 'email'], 1, 1)).toEqual(['whatsapp', 'email', 'sms']);
    expect(moveChannel(['whatsapp', 'sms', 'email'], 0, -1)).toEqual(['whatsapp', 'sms', 'email']);
    expect(moveChannel(['whatsapp', 'sms', 'email'], 2, 1)).toEqual(['whatsapp', 'sms', 'email']);
  });

  it('says where the channel went', () => {
    expect(movedWords('sms', ['sms', 'whatsapp', 'email'])).toBe('SMS is now 1st of 3.');
    expect(movedWords('email', ['sms', 'email', 'whatsapp'])).toBe('Email is now 2nd of 3.');
  });
});

describe('settings bound to a saved secret', () => {
  it('are not offered on the settings form (they change under Credentials)', () => {
    const offered = SETTING_FIELDS.map((f) => f.name as string);
    expect(SECRET_BOUND_SETTINGS).toEqual(['gmail_address', 'smtp_host', 'smtp_port', 'smtp_tls', 'smtp_ca_file', 'twilio_base_url']);
    for (const name of SECRET_BOUND_SETTINGS) expect(offered).not.toContain(name);
  });

  it('never go into a patch, even when the stored settings hold them', () => {
    const form = { ...toForm(STORED), smtp_host: 'evil.example', otp_length: '8' };
    const patch = settingsPatch({ ...STORED, smtp_host: 'smtp.gmail.com' }, form);
    expect(patch).toEqual({ otp_length: 8 });
  });
});

describe('floorNoticesFor', () => {
  it('picks the notices about one setting', () => {
    const notices = [
      { setting: 'otp_length', stored: 4, used: 6, message: 'Codes are set to 4 digits…' },
      { setting: 'otp_expiry_minutes', stored: 30, used: 10, message: 'Codes are set to last 30 minutes…' },
    ];
    expect(floorNoticesFor(notices, 'otp_length').map((n) => n.message)).toEqual(['Codes are set to 4 digits…']);
    expect(floorNoticesFor(notices, 'clinic_name')).toEqual([]);
    expect(floorNoticesFor(null, 'otp_length')).toEqual([]);
  });
});
