// A stand-in for the Rust side in component tests: mockIPC with sensible
// answers for every desk command, per-test overrides, a call log, and the
// `delivery` event mocked so tests can emit updates.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { DeliveryUpdate, Settings } from '../lib/api';
import { defaultSettings } from '../lib/settings';
import { asRustSees } from './ipcArgs';
import { makeHealth, makePerson, makeSession, makeSetup, makeStatus, makeSyncView, NOTICE } from './fixtures';

export type Handler = (args: Record<string, unknown>) => unknown;

/** The desk's settings: the Rust's defaults, at this clinic, WhatsApp and SMS in that order. */
export const SETTINGS: Settings = {
  ...defaultSettings(),
  clinic_name: 'Skinspire Clinic, Jayanagar',
  channel_order: ['whatsapp', 'sms'],
};

export type FakeDesk = {
  calls: Array<{ cmd: string; args: Record<string, unknown> }>;
  callsTo: (cmd: string) => Array<Record<string, unknown>>;
};

export function mockDesk(overrides: Record<string, Handler> = {}): FakeDesk {
  const defaults: Record<string, Handler> = {
    app_status: () => makeStatus(),
    setup_status: () => makeSetup(),
    // Someone is already signed in (reception), so desk tests start on the desk.
    session_current: () => makeSession(),
    sign_out: () => null,
    settings_get: () => SETTINGS,
    // The clinic system sets nothing centrally: every setting is the desk's own.
    settings_central: () => [],
    // A desk with Gmail and Twilio (WhatsApp and SMS) set up: real sends, no demo outbox.
    delivery_health: () =>
      makeHealth({
        demoMode: false,
        usableChannels: ['whatsapp', 'sms', 'email'],
        credentials: {
          gmailConfigured: true,
          gmailAddress: 'clinic@gmail.com',
          smtpHost: 'smtp.gmail.com',
          smtpPort: 587,
          twilioConfigured: true,
          whatsappFrom: '+14155238886',
          smsFrom: '+15005550006',
          messagingServiceSid: '',
          contentSid: '',
          keyringProblem: null,
        },
      }),
    people_search: () => [],
    person_get: () => makePerson(),
    outbox_list: () => [],
    demo_outbox: () => [],
    consent_notice: () => NOTICE,
    needs_verifying: () => [],
    // Sync not set up: the status bar shows no sync line.
    sync_status: () => makeSyncView(),
    // No restore happened: Admin opens on Settings.
    restore_report: () => null,
    // The window's first usable screen, for the start-up log.
    startup_ready: () => null,
  };
  const handlers = { ...defaults, ...overrides };
  const calls: FakeDesk['calls'] = [];
  mockIPC(
    (cmd, payload) => {
      const args = asRustSees(payload);
      calls.push({ cmd, args });
      const h = handlers[cmd];
      if (!h) throw { code: 'internal', message: `No fake for ${cmd}` };
      return h(args);
    },
    { shouldMockEvents: true },
  );
  return { calls, callsTo: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args) };
}

/** Sends a `delivery` event as the shell would. */
export function emitDelivery(update: DeliveryUpdate): Promise<void> {
  return emit('delivery', update);
}

/** A promise and its resolve/reject, to hold a command's answer back. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Sends `messages` down a Tauri channel a command received (e.g. `audit_chain_check`'s
 * `onProgress`), in order, the way the Rust side does: each with its index, through the
 * window's callback for that channel.
 */
export function sendOnChannel(channel: unknown, messages: unknown[]): void {
  const id = (channel as { id?: unknown } | null)?.id;
  if (typeof id !== 'number') throw new Error('not a channel');
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } })
    .__TAURI_INTERNALS__;
  messages.forEach((message, index) => internals.runCallback(id, { index, message }));
}
