import { clearMocks } from '@tauri-apps/api/mocks';
import { render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { DemoMessage } from '../lib/api';
import { makeUpdate, SENT_AT } from '../test/fixtures';
import { emitDelivery, mockDesk } from '../test/fakeDesk';
import DemoOutbox from './DemoOutbox.svelte';

afterEach(() => {
  clearMocks();
});

const FIRST: DemoMessage = {
  outboxId: 41,
  at: SENT_AT,
  channel: 'whatsapp',
  toMasked: '+91 98••• ••345',
  subject: null,
  text: 'Your Skinspire Clinic code is 482913. It expires in 10 minutes.',
};

describe('DemoOutbox', () => {
  it('is clearly labelled and shows a demo message with its code', async () => {
    mockDesk({ demo_outbox: () => [FIRST] });
    render(DemoOutbox);
    const panel = screen.getByTestId('demo-outbox');
    expect(panel.textContent).toContain('Demo outbox — these messages were NOT sent');
    const message = await screen.findByTestId('demo-message');
    expect(message.textContent).toContain('WhatsApp');
    expect(message.textContent).toContain('+91 98••• ••345');
    expect(message.textContent).toContain('482913');
  });

  it('refreshes on each demo delivery event, newest first', async () => {
    let messages: DemoMessage[] = [];
    const desk = mockDesk({ demo_outbox: () => messages });
    render(DemoOutbox);
    expect(await screen.findByText(/No demo messages yet/)).toBeTruthy();

    messages = [
      FIRST,
      { ...FIRST, outboxId: 42, channel: 'email', toMasked: 'p•••••@gmail.com', subject: 'Your code', text: 'Code 771204' },
    ];
    await emitDelivery(makeUpdate({ status: 'sent', demo: false })); // not a demo event: no refresh
    expect(desk.callsTo('demo_outbox')).toHaveLength(1);
    await emitDelivery(makeUpdate({ status: 'sent', demo: true }));

    await waitFor(() => expect(screen.getAllByTestId('demo-message')).toHaveLength(2));
    const [newest, older] = screen.getAllByTestId('demo-message');
    expect(newest!.textContent).toContain('Your code');
    expect(newest!.textContent).toContain('771204');
    expect(older!.textContent).toContain('482913');
  });
});
