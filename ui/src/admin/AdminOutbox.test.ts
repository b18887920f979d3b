import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../lib/api';
import { makeHealth, makeUpdate, SENT_AT } from '../test/fixtures';
import { emitDelivery, mockDesk } from '../test/fakeDesk';
import AdminOutbox from './AdminOutbox.svelte';

afterEach(() => {
  clearMocks();
});

const ENTRY: OutboxEntry = {
  id: 41,
  userId: '+919876512345',
  displayName: 'Priya Raman',
  codeType: 'phone',
  channel: 'whatsapp',
  targetMasked: '+91 98••• ••345',
  status: 'undelivered',
  attempts: 2,
  lastError: 'The phone did not receive it.',
  createdAt: SENT_AT,
  updatedAt: SENT_AT,
};

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();

describe('AdminOutbox', () => {
  it('shows health and the outbox', async () => {
    mockDesk({
      delivery_health: () =>
        makeHealth({
          demoMode: false,
          usableChannels: ['email'],
          credentials: { ...makeHealth().credentials, gmailConfigured: true },
          gmail: { sent24h: 123, limit: 500, warn: false, pausedUntil: null },
          queued: 3,
          waitingOffline: 1,
          lastTests: [{ provider: 'twilio_sms', ok: false, message: 'Twilio refused the token.', testedAt: SENT_AT }],
          lastErrors: [{ at: SENT_AT, channel: 'email', code: 'auth', outcome: 'failed', adminMessage: 'Gmail refused the app password. Make a new one.' }],
        }),
      outbox_list: () => [ENTRY],
    });
    render(AdminOutbox);
    await waitFor(() => expect(text('health-gmail')).toBe('123 of 500 sent in the last 24 hours'));
    expect(screen.getByTestId('health-gmail').dataset.warn).toBe('false');
    expect(text('health-queued')).toContain('3');
    expect(text('health-offline')).toContain('1');
    expect(text('health-test')).toContain('SMS (Twilio)');
    expect(text('health-test')).toContain('Twilio refused the token.');
    expect(text('health-error')).toContain('Gmail refused the app password. Make a new one.');
    const row = text('outbox-row');
    expect(row).toContain('Priya Raman');
    expect(row).toContain('+91 98••• ••345');
    expect(row).toContain('Not delivered');
    expect(row).toContain('The phone did not receive it.');
  });

  it('warns near Gmail’s limit and says when email is paused', async () => {
    mockDesk({
      delivery_health: () => makeHealth({ gmail: { sent24h: 480, limit: 500, warn: true, pausedUntil: '14:05' } }),
    });
    render(AdminOutbox);
    await waitFor(() => expect(screen.getByTestId('health-gmail').dataset.warn).toBe('true'));
    expect(screen.getByTestId('health-gmail').className).toContain('warning');
    expect(text('health-gmail-paused')).toBe("Gmail's daily limit is used up: email is paused until 14:05.");
    expect(text('health-demo')).toContain('Demo mode');
  });

  it('refreshes on the button and on delivery events', async () => {
    let entries: OutboxEntry[] = [];
    const desk = mockDesk({ outbox_list: () => entries });
    render(AdminOutbox);
    await screen.findByTestId('outbox-none');
    entries = [ENTRY];
    await fireEvent.click(screen.getByTestId('outbox-refresh'));
    await screen.findByTestId('outbox-row');
    entries = [{ ...ENTRY, id: 42, status: 'delivered' }, ENTRY];
    await emitDelivery(makeUpdate({ outboxId: 42, status: 'delivered' }));
    await waitFor(() => expect(screen.getAllByTestId('outbox-row')).toHaveLength(2), { timeout: 2000 });
    expect(desk.callsTo('outbox_list')).toEqual([{}, {}, {}]);
  });
});

describe('AdminOutbox: keyring waits, the code key and the security floor', () => {
  it('shows them in the health view', async () => {
    const floor = 'Codes are set to 4 digits, below the 6 that security standards ask for: the desk sends 6-digit codes.';
    mockDesk({
      delivery_health: () =>
        makeHealth({
          waitingForKeyring: 2,
          temporaryPepper: true,
          floorNotices: [{ setting: 'otp_length', stored: 4, used: 6, message: floor }],
        }),
    });
    render(AdminOutbox);
    await waitFor(() => expect(text('health-keyring-waiting')).toBe('Waiting for the keyring: 2'));
    expect(text('health-temporary-pepper')).toContain("codes sent now can't be checked after a restart");
    expect(text('health-floor')).toContain('1 setting is below the security floor');
    expect(text('health-floor-notice')).toContain(floor);
  });

  it('leaves them out when all is well', async () => {
    mockDesk();
    render(AdminOutbox);
    await waitFor(() => expect(text('health-keyring-waiting')).toBe('Waiting for the keyring: 0'));
    expect(screen.queryByTestId('health-temporary-pepper')).toBeNull();
    expect(screen.queryByTestId('health-floor')).toBeNull();
  });
});
