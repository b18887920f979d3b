import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { asRustSees } from '../test/ipcArgs';
import { afterEach, describe, expect, it } from 'vitest';
import { emit } from '@tauri-apps/api/event';
import {
  FULL_SETTINGS,
  makeHealth,
  makePerson,
  makeSession,
  makeStaff,
  makeStatus,
  makeSummary,
  makeSyncSetup,
  makeSyncView,
  makeUpdate,
  NOTICE,
  RECOVERY_CODE,
} from '../test/fixtures';
import { sendOnChannel } from '../test/fakeDesk';
import {
  appStatus,
  auditChainCheck,
  auditExport,
  auditSearch,
  onSessionEnd,
  sessionCurrent,
  settingsUpdate,
  setupFirstAdmin,
  setupStatus,
  signIn,
  staffList,
  staffUnlock,
  syncNewDevice,
  syncNow,
  syncRoleMapGet,
  syncRoleMapSave,
  syncSetupGet,
  syncSetupSave,
  syncStatus,
  syncTest,
  syncUnreadable,
  syncConflicts,
  syncConflictResolve,
  syncWalkins,
  settingsCentral,
  recoveryCodeNew,
  recoveryUse,
  needsVerifying,
  consentNotice,
  consentWithdraw,
  consentRenew,
  templatePreview,
  templateReset,
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
      calls.push({ cmd, args: asRustSees(args) });
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
      calls.push({ cmd, args: asRustSees(args) });
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

describe('the session’s end, handled in one place', () => {
  it('calls the registered handler when any command says session_locked or sign_in_required', async () => {
    const seen: ApiError[] = [];
    const stop = onSessionEnd((e) => seen.push(e));
    try {
      mockIPC((cmd) => {
        if (cmd === 'people_search') throw { code: 'session_locked', message: 'The desk locked itself.' };
        if (cmd === 'person_get') throw { code: 'sign_in_required', message: 'Sign in to use the desk.' };
        throw { code: 'wrong_code', message: 'Wrong code.' };
      });
      await expect(peopleSearch('pri')).rejects.toEqual({ code: 'session_locked', message: 'The desk locked itself.' });
      await expect(personGet('W1')).rejects.toMatchObject({ code: 'sign_in_required' });
      await expect(verificationCheck('W1', 'phone', '123456')).rejects.toMatchObject({ code: 'wrong_code' });
      expect(seen.map((e) => e.code)).toEqual(['session_locked', 'sign_in_required']);
    } finally {
      stop();
    }
  });

  it('stops calling the handler once removed', async () => {
    const seen: ApiError[] = [];
    onSessionEnd((e) => seen.push(e))();
    mockIPC(() => {
      throw { code: 'session_locked', message: 'Locked.' };
    });
    await expect(peopleSearch('x')).rejects.toMatchObject({ code: 'session_locked' });
    expect(seen).toEqual([]);
  });
});

describe('sign-in commands', () => {
  it('sign_in sends userId and password and returns the session', async () => {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    const session = makeSession();
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: asRustSees(args) });
      return session;
    });
    expect(await signIn('latha.k', 'correct horse')).toEqual(session);
    expect(calls).toEqual([{ cmd: 'sign_in', args: { userId: 'latha.k', password: 'correct horse' } }]);
  });

  it('setup_first_admin sends the documented shape, always as admin, and returns the recovery code', async () => {
    let sent: unknown;
    const admin = makeStaff({ userId: 'meera', role: 'admin' });
    mockIPC((_cmd, args) => {
      sent = args;
      return { admin, recoveryCode: RECOVERY_CODE };
    });
    const result = await setupFirstAdmin('Skinspire Clinic', { userId: 'meera', displayName: 'Dr. Meera Rao', password: 'long enough' });
    expect(result).toEqual({ admin, recoveryCode: RECOVERY_CODE });
    expect(sent).toEqual({
      input: {
        clinicName: 'Skinspire Clinic',
        admin: { userId: 'meera', displayName: 'Dr. Meera Rao', role: 'admin', password: 'long enough' },
      },
    });
  });

  it('setup_first_admin without a recovery code in its answer is internal (the code would be lost)', async () => {
    mockIPC(() => makeStaff({ userId: 'meera', role: 'admin' }));
    await expect(
      setupFirstAdmin('Skinspire Clinic', { userId: 'meera', displayName: 'Dr. Meera Rao', password: 'long enough' }),
    ).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });

  it('recovery_use sends adminId, code and newPassword and returns the next code', async () => {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: asRustSees(args) });
      return 'ABCDE-FGH23-JKLMN-P4567';
    });
    await expect(recoveryUse('meera', RECOVERY_CODE, 'a new passphrase')).resolves.toBe('ABCDE-FGH23-JKLMN-P4567');
    expect(calls).toEqual([
      { cmd: 'recovery_use', args: { adminId: 'meera', code: RECOVERY_CODE, newPassword: 'a new passphrase' } },
    ]);
  });

  it('session_current may answer null; setup_status is shape-checked', async () => {
    mockIPC((cmd) => (cmd === 'session_current' ? null : { needsFirstAdmin: true }));
    expect(await sessionCurrent()).toBeNull();
    await expect(setupStatus()).rejects.toEqual({ code: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });
});

describe('admin commands', () => {
  it('template_preview and template_reset leave out what is not given', async () => {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: asRustSees(args) });
      if (cmd === 'template_preview') return { subject: null, text: 'Hi', html: null, sms: { encoding: 'GSM-7', characters: 2, segments: 1 } };
      return [];
    });
    await templatePreview('sms', 'en');
    await templatePreview('sms', 'en', { part: 'body', body: 'Code {{ code }}' });
    await templateReset('email', 'hi');
    await templateReset('email', 'hi', 'subject');
    expect(calls).toEqual([
      { cmd: 'template_preview', args: { channel: 'sms', language: 'en' } },
      { cmd: 'template_preview', args: { channel: 'sms', language: 'en', draft: { part: 'body', body: 'Code {{ code }}' } } },
      { cmd: 'template_reset', args: { channel: 'email', language: 'hi' } },
      { cmd: 'template_reset', args: { channel: 'email', language: 'hi', part: 'subject' } },
    ]);
  });

  it('settings_update sends the patch and reads the settings back', async () => {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: asRustSees(args) });
      return { ...FULL_SETTINGS, otp_length: 8 };
    });
    const s = await settingsUpdate({ otp_length: 8 });
    expect(s.otp_length).toBe(8);
    expect(calls[0]).toEqual({ cmd: 'settings_update', args: { patch: { otp_length: 8 } } });
  });

  it('audit_export returns the path; a list of the wrong shape is refused', async () => {
    mockIPC((cmd) => (cmd === 'audit_export' ? '/home/desk/Downloads/audit.csv' : [{ nope: true }]));
    expect(await auditExport({ channel: 'sms' })).toBe('/home/desk/Downloads/audit.csv');
    await expect(auditSearch({})).rejects.toMatchObject({ code: 'internal' });
    await expect(staffList()).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('consent, needs verifying, unlock and recovery commands', () => {
  function record(reply: (cmd: string, args: Record<string, unknown>) => unknown) {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: asRustSees(args) });
      return reply(cmd, (args ?? {}) as Record<string, unknown>);
    });
    return calls;
  }

  it('pass the arguments the Rust commands take', async () => {
    const calls = record((cmd) => {
      switch (cmd) {
        case 'needs_verifying':
          return [makeSummary()];
        case 'consent_notice':
          return NOTICE;
        case 'staff_unlock':
          return makeStaff();
        case 'recovery_code_new':
          return RECOVERY_CODE;
        default:
          return makePerson();
      }
    });
    await expect(needsVerifying()).resolves.toHaveLength(1);
    await expect(consentNotice('en')).resolves.toEqual(NOTICE);
    await consentWithdraw('W1', 'phone');
    await consentRenew('W1', 'email');
    await staffUnlock('latha.k');
    await expect(recoveryCodeNew()).resolves.toBe(RECOVERY_CODE);
    expect(calls).toEqual([
      { cmd: 'needs_verifying', args: {} },
      { cmd: 'consent_notice', args: { language: 'en' } },
      { cmd: 'consent_withdraw', args: { userId: 'W1', codeType: 'phone' } },
      { cmd: 'consent_renew', args: { userId: 'W1', codeType: 'email' } },
      { cmd: 'staff_unlock', args: { userId: 'latha.k' } },
      { cmd: 'recovery_code_new', args: {} },
    ]);
  });

  it('refuse replies of the wrong shape', async () => {
    record(() => [{ nope: true }]);
    await expect(needsVerifying()).rejects.toMatchObject({ code: 'internal' });
    record(() => '');
    await expect(recoveryCodeNew()).rejects.toMatchObject({ code: 'internal' });
    await expect(consentNotice('en')).rejects.toMatchObject({ code: 'internal' });
  });

  it('audit_chain_check hands Rust a channel and passes on its progress, then the report', async () => {
    const report = { intact: true, checked: 3, unverifiable: 0, anchored: 1, firstBreak: null };
    let got: unknown;
    mockIPC((cmd, args) => {
      got = (args as Record<string, unknown>).onProgress;
      sendOnChannel(got, [{ done: 1, total: 3 }, { nonsense: true }, { done: 3, total: 3 }]);
      return cmd === 'audit_chain_check' ? report : null;
    });
    const seen: Array<{ done: number; total: number }> = [];
    await expect(auditChainCheck((p) => seen.push(p))).resolves.toEqual(report);
    expect(String(JSON.stringify(got))).toMatch(/^"__CHANNEL__:\d+"$/);
    expect(seen).toEqual([
      { done: 1, total: 3 },
      { done: 3, total: 3 },
    ]);
  });

  it('app_status may carry the keyring waits and a temporary code key; health must carry its new fields', async () => {
    mockIPC(() => makeStatus({ waitingForKeyring: 2, temporaryPepper: 'Only in memory.' }));
    await expect(appStatus()).resolves.toMatchObject({ waitingForKeyring: 2, temporaryPepper: 'Only in memory.' });
    const { floorNotices: _gone, ...old } = makeHealth();
    mockIPC(() => old);
    await expect(deliveryHealth()).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('sync commands', () => {
  const INPUT = {
    host: 'db.skinspire.local',
    port: 5432,
    database: 'skinspire',
    role: 'desk_jayanagar',
    caFile: '',
    intervalMinutes: 5,
  };

  /** Records what goes over IPC as it is sent (nulls kept), and answers per command. */
  function wire(reply: (cmd: string) => unknown) {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return reply(cmd);
    });
    return calls;
  }

  const REPLIES: Record<string, unknown> = {
    sync_status: makeSyncView({ configured: true, summary: 'Synced with the clinic at 10:30' }),
    sync_now: { pushed: 1, pulled: 2, added: 2, changed: 0, deactivated: 0, unreadable: 0, full: false, view: makeSyncView() },
    sync_setup_get: makeSyncSetup(),
    sync_setup_save: makeSyncSetup(),
    sync_test: 'Connected to skinspire on db.skinspire.local as desk_jayanagar.',
    sync_unreadable: [{ userId: 'P-17', problems: ['email has no @'], raw: '{}', lastSeenAt: '2026-11-24T05:00:00Z' }],
    sync_role_map_get: [{ clinicRole: 'Doctor', deskRole: 'admin' }],
    sync_role_map_save: [{ clinicRole: 'Nurse', deskRole: 'reception' }],
    sync_new_device: '01JD9NEWDEVICE',
  };

  it('pass the arguments the Rust commands take; a blank password goes as null', async () => {
    const calls = wire((cmd) => REPLIES[cmd]);
    await expect(syncStatus()).resolves.toMatchObject({ summary: 'Synced with the clinic at 10:30' });
    await expect(syncNow()).resolves.toMatchObject({ pushed: 1, added: 2 });
    await expect(syncSetupGet()).resolves.toMatchObject({ passwordSaved: true });
    await syncSetupSave({ ...INPUT, password: null });
    await syncSetupSave({ ...INPUT, password: 'typed' });
    await expect(syncTest({ ...INPUT, password: null })).resolves.toContain('Connected');
    await expect(syncUnreadable()).resolves.toHaveLength(1);
    await expect(syncRoleMapGet()).resolves.toEqual([{ clinicRole: 'Doctor', deskRole: 'admin' }]);
    await syncRoleMapSave([{ clinicRole: 'Nurse', deskRole: 'reception' }]);
    await expect(syncNewDevice()).resolves.toBe('01JD9NEWDEVICE');
    expect(calls).toEqual([
      { cmd: 'sync_status', args: {} },
      { cmd: 'sync_now', args: {} },
      { cmd: 'sync_setup_get', args: {} },
      { cmd: 'sync_setup_save', args: { input: { ...INPUT, password: null } } },
      { cmd: 'sync_setup_save', args: { input: { ...INPUT, password: 'typed' } } },
      { cmd: 'sync_test', args: { input: { ...INPUT, password: null } } },
      { cmd: 'sync_unreadable', args: {} },
      { cmd: 'sync_role_map_get', args: {} },
      { cmd: 'sync_role_map_save', args: { map: [{ clinicRole: 'Nurse', deskRole: 'reception' }] } },
      { cmd: 'sync_new_device', args: {} },
    ]);
  });

  it('pass a refusal through in plain words', async () => {
    mockIPC(() => {
      throw { code: 'sync_failed', message: "The clinic server's certificate was refused." };
    });
    await expect(syncTest({ ...INPUT, password: null })).rejects.toEqual({
      code: 'sync_failed',
      message: "The clinic server's certificate was refused.",
    });
  });

  it('refuse replies of the wrong shape', async () => {
    const internal = { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
    wire(() => ({ summary: 'no facts' }));
    await expect(syncStatus()).rejects.toEqual(internal);
    await expect(syncSetupGet()).rejects.toEqual(internal);
    await expect(syncNow()).rejects.toEqual(internal);
    wire(() => [{ clinicRole: 'Doctor', deskRole: 'owner' }]);
    await expect(syncRoleMapGet()).rejects.toEqual(internal);
    wire(() => [{ userId: 'P-17', problems: 'not a list', lastSeenAt: '' }]);
    await expect(syncUnreadable()).rejects.toEqual(internal);
    wire(() => '');
    await expect(syncNewDevice()).rejects.toEqual(internal);
  });
});

describe('conflicts, walk-ins and the clinic\'s settings', () => {
  const CONFLICT = {
    eventId: '01JDCONFLICT',
    userId: 'P-1042',
    displayName: 'Priya Raman',
    channel: 'phone',
    deskValue: '+919876500001',
    clinicValue: null,
    deskName: 'Front desk',
    madeAt: '2026-11-24T05:02:00Z',
  };
  const MATCH = { userId: 'P-1042', displayName: 'Priya Raman', phone: '+919876512345', email: null, reason: 'same_phone' };
  const WALKIN = { userId: 'W-1', displayName: 'Priya R', phone: '+919876512345', email: null, createdAt: '2026-11-24T05:30:00Z', possibleMatch: MATCH };
  const CENTRAL = [
    { name: 'otp_length', label: 'Code length', value: 8 },
    { name: 'clinic_name', label: 'Clinic name', value: null },
  ];

  function wire(reply: (cmd: string) => unknown) {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return reply(cmd);
    });
    return calls;
  }

  it('pass the arguments the Rust commands take', async () => {
    const replies: Record<string, unknown> = {
      sync_conflicts: [CONFLICT],
      sync_conflict_resolve: [],
      sync_walkins: [WALKIN, { ...WALKIN, userId: 'W-2', possibleMatch: null }],
      settings_central: CENTRAL,
    };
    const calls = wire((cmd) => replies[cmd]);
    await expect(syncConflicts()).resolves.toEqual([CONFLICT]);
    await expect(syncConflictResolve('01JDCONFLICT', 'desk')).resolves.toEqual([]);
    await syncConflictResolve('01JDCONFLICT', 'clinic');
    await expect(syncWalkins()).resolves.toHaveLength(2);
    await expect(settingsCentral()).resolves.toEqual(CENTRAL);
    expect(calls).toEqual([
      { cmd: 'sync_conflicts', args: {} },
      { cmd: 'sync_conflict_resolve', args: { eventId: '01JDCONFLICT', keep: 'desk' } },
      { cmd: 'sync_conflict_resolve', args: { eventId: '01JDCONFLICT', keep: 'clinic' } },
      { cmd: 'sync_walkins', args: {} },
      { cmd: 'settings_central', args: {} },
    ]);
  });

  it('pass a refusal through in plain words', async () => {
    const refusal = 'That conflict is settled already (another desk may have settled it).';
    mockIPC(() => {
      throw { code: 'invalid_input', message: refusal };
    });
    await expect(syncConflictResolve('01JDCONFLICT', 'desk')).rejects.toEqual({ code: 'invalid_input', message: refusal });
  });

  it('refuse replies of the wrong shape', async () => {
    const internal = { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
    const shapes: Array<[() => Promise<unknown>, unknown]> = [
      [syncConflicts, { conflicts: [CONFLICT] }],
      [syncConflicts, [{ ...CONFLICT, channel: 'whatsapp' }]],
      [syncConflicts, [{ ...CONFLICT, deskValue: 98765 }]],
      [syncConflicts, [{ ...CONFLICT, madeAt: undefined }]],
      [() => syncConflictResolve('01JDCONFLICT', 'desk'), [{ ...CONFLICT, eventId: 7 }]],
      [syncWalkins, [{ ...WALKIN, createdAt: null }]],
      [syncWalkins, [{ ...WALKIN, phone: 98765 }]],
      [syncWalkins, [{ ...WALKIN, possibleMatch: { ...MATCH, reason: 'same_name' } }]],
      [syncWalkins, [{ ...WALKIN, possibleMatch: 'P-1042' }]],
      [settingsCentral, [{ name: 'otp_length', label: 'Code length' }]],
      [settingsCentral, [{ name: 'otp_length', value: 8 }]],
      [settingsCentral, null],
    ];
    for (const [run, reply] of shapes) {
      wire(() => reply);
      await expect(run()).rejects.toEqual(internal);
    }
  });

  it('accept a contact or match left out as none', async () => {
    const { deskValue: _d, clinicValue: _c, ...bare } = CONFLICT;
    wire(() => [bare]);
    await expect(syncConflicts()).resolves.toHaveLength(1);
    const { possibleMatch: _m, phone: _p, email: _e, ...plain } = WALKIN;
    wire(() => [plain]);
    await expect(syncWalkins()).resolves.toHaveLength(1);
  });
});
