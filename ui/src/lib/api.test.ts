import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { emit } from '@tauri-apps/api/event';
import { makeHealth, makeStatus, makeUpdate } from '../test/fixtures';
import {
  appStatus,
  deliveryHealth,
  INTERNAL_ERROR_MESSAGE,
  isApiError,
  onDelivery,
  outboxList,
  peopleSearch,
  personAdd,
  personGet,
  personUpdate,
  sampleDataLoad,
  settingsGet,
  toApiError,
  verificationCheck,
  verificationStart,
  type ApiError,
} from './api';

afterEach(() => {
  clearMocks();
});

describe('isApiError', () => {
  it('accepts the {code, message} shape', () => {
    expect(isApiError({ code: 'not_ready', message: 'Wait.' })).toBe(true);
  });

  it('rejects anything else', () => {
    expect(isApiError('denied')).toBe(false);
    expect(isApiError(null)).toBe(false);
    expect(isApiError(undefined)).toBe(false);
    expect(isApiError(new Error('boom'))).toBe(false);
    expect(isApiError({ code: 1, message: 'x' })).toBe(false);
    expect(isApiError({ code: 'x' })).toBe(false);
    expect(isApiError([])).toBe(false);
  });
});

describe('toApiError', () => {
  it('keeps only code and message of a real ApiError', () => {
    expect(toApiError({ code: 'not_ready', message: 'Wait.', extra: 1 })).toEqual({
      code: 'not_ready',
      message: 'Wait.',
    });
  });

  it('never shows an empty message', () => {
    expect(toApiError({ code: 'not_ready', message: '' })).toEqual({
      code: 'not_ready',
      message: INTERNAL_ERROR_MESSAGE,
    });
  });

  it('wraps a thrown Error as internal without leaking its text', () => {
    expect(toApiError(new TypeError('x is undefined'))).toEqual({
      code: 'internal',
      message: INTERNAL_ERROR_MESSAGE,
    });
  });
});

describe('appStatus', () => {
  it('calls app_status with no arguments and returns the typed status', async () => {
    const status = makeStatus({ version: '1.4.0', schemaVersion: 5 }, { state: 'locked', message: 'Locked.' });
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'app_status') return status;
      throw new Error(`unexpected command ${cmd}`);
    });

    const result = await appStatus();

    expect(result).toEqual(status);
    expect(result.keyring.state).toBe('locked');
    expect(result.schemaVersion).toBe(5);
    expect(calls).toEqual([{ cmd: 'app_status', args: {} }]);
  });

  it('passes a {code, message} rejection through as that ApiError', async () => {
    const rejection: ApiError = {
      code: 'database_too_new',
      message: 'This database was made by a newer version of the desk. Nothing has been changed.',
    };
    mockIPC(() => {
      throw rejection;
    });

    await expect(appStatus()).rejects.toEqual(rejection);
  });

  it('wraps a string rejection (e.g. from the permission layer) as internal', async () => {
    mockIPC(() => Promise.reject('Command app_status not allowed by ACL'));

    const error: unknown = await appStatus().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(error).toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });

  it('treats a reply of the wrong shape as internal', async () => {
    mockIPC(() => ({ app_name: 'snake_case fields', version: '1.0.0' }));

    await expect(appStatus()).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });

  it('treats an unknown keyring state as internal', async () => {
    const bad = makeStatus();
    mockIPC(() => ({ ...bad, keyring: { ...bad.keyring, state: 'Ok' } }));

    await expect(appStatus()).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });

  it('is internal when there is no Tauri backend at all', async () => {
    // No mockIPC: window.__TAURI_INTERNALS__ is missing, as in a plain browser.
    await expect(appStatus()).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });
});

describe('desk commands', () => {
  function record(reply: (cmd: string) => unknown = () => []) {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return reply(cmd);
    });
    return calls;
  }

  it('pass camelCase arguments under the names the Rust commands take', async () => {
    const calls = record((cmd) => (cmd.startsWith('people_search') || cmd === 'outbox_list' ? [] : {}));
    await peopleSearch('priya');
    await personGet('u1');
    await personAdd({ displayName: 'A', phone: '9876512345' });
    await personUpdate('u1', { displayName: 'B' });
    await verificationStart('u1', 'whatsapp', true);
    await verificationCheck('u1', 'phone', '482913');
    await outboxList('u1');
    await outboxList();
    expect(calls).toEqual([
      { cmd: 'people_search', args: { query: 'priya' } },
      { cmd: 'person_get', args: { userId: 'u1' } },
      { cmd: 'person_add', args: { input: { displayName: 'A', phone: '9876512345' } } },
      { cmd: 'person_update', args: { userId: 'u1', input: { displayName: 'B' } } },
      { cmd: 'verification_start', args: { userId: 'u1', channel: 'whatsapp', consent: true } },
      { cmd: 'verification_check', args: { userId: 'u1', codeType: 'phone', code: '482913' } },
      { cmd: 'outbox_list', args: { userId: 'u1' } },
      { cmd: 'outbox_list', args: {} },
    ]);
  });

  it('pass a rejection message through as-is', async () => {
    mockIPC(() => {
      throw { code: 'wrong_code', message: 'Wrong code. 2 tries left.' };
    });
    await expect(verificationCheck('u1', 'phone', '111111')).rejects.toEqual({
      code: 'wrong_code',
      message: 'Wrong code. 2 tries left.',
    });
  });

  it('treat a list command answering with something else as internal', async () => {
    mockIPC(() => ({ not: 'a list' }));
    await expect(peopleSearch('x')).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });

  it('settingsGet fills in what the desk needs', async () => {
    mockIPC(() => ({ clinic_name: 'Skinspire Clinic', otp_length: 4, channel_order: ['sms', 'fax'] }));
    const s = await settingsGet();
    expect(s).toMatchObject({
      clinic_name: 'Skinspire Clinic',
      otp_length: 4,
      channel_order: ['sms'],
      resend_cooldown_seconds: 30,
    });
  });

  it('deliveryHealth refuses a reply of the wrong shape', async () => {
    mockIPC(() => makeHealth());
    await expect(deliveryHealth()).resolves.toMatchObject({ demoMode: true });
    mockIPC(() => ({ demoMode: true }));
    await expect(deliveryHealth()).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });

  it('sampleDataLoad returns how many people were added', async () => {
    const calls = record(() => 40);
    await expect(sampleDataLoad()).resolves.toBe(40);
    expect(calls).toEqual([{ cmd: 'sample_data_load', args: {} }]);
  });
});

describe('onDelivery', () => {
  it('hands each `delivery` event payload to the callback until unlistened', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: number[] = [];
    const unlisten = await onDelivery((u) => seen.push(u.outboxId));
    await emit('delivery', makeUpdate({ outboxId: 5 }));
    await emit('delivery', { nonsense: true });
    unlisten();
    await emit('delivery', makeUpdate({ outboxId: 6 }));
    expect(seen).toEqual([5]);
  });

  it('rejects with plain words when events are not available', async () => {
    await expect(onDelivery(() => {})).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });
});
