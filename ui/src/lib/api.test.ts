import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { makeStatus } from '../test/fixtures';
import { appStatus, INTERNAL_ERROR_MESSAGE, isApiError, toApiError, type ApiError } from './api';

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
