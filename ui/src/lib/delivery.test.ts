import { describe, expect, it } from 'vitest';
import { makeUpdate } from '../test/fixtures';
import type { DeliveryStatus, OutboxEntry } from './api';
import { deliveryWords, OFFLINE_WORDS, outboxWords, startTracking, statusWords, trackDelivery } from './delivery';

const ALL: DeliveryStatus[] = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'undelivered',
  'cancelled',
  'unknown',
  'expired',
];

describe('deliveryWords for every status', () => {
  const expected: Record<DeliveryStatus, [string, string]> = {
    queued: ['Waiting to send.', 'info'],
    sending: ['Sending by WhatsApp…', 'info'],
    sent: ['Sent by WhatsApp. Waiting for the phone to receive it.', 'info'],
    delivered: ['Delivered to the phone.', 'ok'],
    read: ['Read on WhatsApp.', 'ok'],
    failed: ["Couldn't send by WhatsApp. Send a new code another way.", 'problem'],
    undelivered: [
      "The phone didn't receive the WhatsApp message. Check the number, or send the code another way.",
      'problem',
    ],
    cancelled: ['This message was cancelled: a newer code replaced it, the contact changed, or consent was withdrawn.', 'neutral'],
    unknown: ["Sent by WhatsApp, but the service hasn't said whether it arrived.", 'neutral'],
    expired: ['The code expired before the message could go. Send a new one.', 'problem'],
  };

  for (const status of ALL) {
    it(`${status}`, () => {
      const w = deliveryWords(makeUpdate({ status }));
      expect(w.text).toBe(expected[status][0]);
      expect(w.tone).toBe(expected[status][1]);
      expect(w.icon.length).toBeGreaterThan(0);
    });
  }

  it('speaks of email differently', () => {
    expect(statusWords('delivered', 'email')).toBe('Delivered to the mailbox.');
    expect(statusWords('sent', 'email')).toContain('spam');
    expect(statusWords('sending', 'sms')).toBe('Sending by SMS…');
  });

  it('prefers the Rust side’s own words when it sends some', () => {
    const w = deliveryWords(makeUpdate({ status: 'failed', message: 'Twilio refused the number. Check it.' }));
    expect(w).toMatchObject({ text: 'Twilio refused the number. Check it.', tone: 'problem' });
  });

  it('fallback: says the message goes by SMS instead', () => {
    const w = deliveryWords(
      makeUpdate({
        status: 'failed',
        message: "This number isn't on WhatsApp. Sending by SMS instead.",
        fallbackOutboxId: 42,
        fallbackChannel: 'sms',
      }),
    );
    expect(w).toMatchObject({ text: "This number isn't on WhatsApp. Sending by SMS instead.", tone: 'warning' });
    const own = deliveryWords(makeUpdate({ status: 'failed', fallbackOutboxId: 42, fallbackChannel: 'sms' }));
    expect(own.text).toBe("Couldn't send by WhatsApp. Sending by SMS instead.");
  });

  it('offline: the message waits for the connection', () => {
    const w = deliveryWords(makeUpdate({ status: 'queued', offline: true }));
    expect(w).toMatchObject({ text: OFFLINE_WORDS, tone: 'warning' });
    expect(OFFLINE_WORDS).toBe('No internet. The message will go when the connection is back.');
  });

  it('a waiting message says why in the Rust side’s words (the keyring, the internet)', () => {
    const keyring = 'The keyring is locked: unlock it and the waiting messages go.';
    expect(deliveryWords(makeUpdate({ status: 'queued', offline: true, message: keyring }))).toMatchObject({
      text: keyring,
      tone: 'warning',
    });
  });

  it('demo: always says "Demo mode:" first', () => {
    expect(deliveryWords(makeUpdate({ status: 'sent', demo: true })).text).toBe(
      'Demo mode: the message was not sent. It is in the Demo outbox.',
    );
    expect(deliveryWords(makeUpdate({ status: 'delivered', demo: true })).tone).toBe('info');
    expect(deliveryWords(makeUpdate({ status: 'sent', demo: true, message: 'Shown in the demo outbox.' })).text).toBe(
      'Demo mode: Shown in the demo outbox.',
    );
    expect(
      deliveryWords(makeUpdate({ status: 'sent', demo: true, message: 'Demo mode: shown, not sent.' })).text,
    ).toBe('Demo mode: shown, not sent.');
    expect(deliveryWords(makeUpdate({ status: 'failed', demo: true })).text).toBe(
      "Demo mode: Couldn't send by WhatsApp. Send a new code another way.",
    );
  });
});

describe('outboxWords', () => {
  it('reads a stored message row, using its last error when it failed', () => {
    const entry: OutboxEntry = {
      id: 7,
      userId: 'u',
      displayName: 'P',
      codeType: 'phone',
      channel: 'sms',
      targetMasked: 'x',
      status: 'failed',
      attempts: 3,
      lastError: 'The SMS service is not answering. Try email.',
      createdAt: '',
      updatedAt: '',
    };
    expect(outboxWords(entry).text).toBe('The SMS service is not answering. Try email.');
    expect(outboxWords({ ...entry, status: 'delivered' }).text).toBe('Delivered to the phone.');
    expect(outboxWords({ ...entry, status: 'sent' }, true).text).toMatch(/^Demo mode: /);
  });

  it('reads a stored waiting message with its reason, as a warning', () => {
    const entry: OutboxEntry = {
      id: 8,
      userId: 'u',
      displayName: 'P',
      codeType: 'phone',
      channel: 'whatsapp',
      targetMasked: 'x',
      status: 'queued',
      attempts: 1,
      lastError: 'The keyring is locked: unlock it and the waiting messages go.',
      createdAt: '',
      updatedAt: '',
    };
    expect(outboxWords(entry)).toMatchObject({
      text: 'The keyring is locked: unlock it and the waiting messages go.',
      tone: 'warning',
    });
    expect(outboxWords({ ...entry, lastError: null })).toMatchObject({ text: 'Waiting to send.', tone: 'info' });
  });
});

describe('trackDelivery', () => {
  it('follows only its own message', () => {
    let t = startTracking(41, 'whatsapp');
    t = trackDelivery(t, makeUpdate({ outboxId: 99, status: 'delivered' }));
    expect(t.words).toBeNull();
    t = trackDelivery(t, makeUpdate({ status: 'queued' }));
    expect(t.words?.text).toBe('Waiting to send.');
    t = trackDelivery(t, makeUpdate({ status: 'sent' }));
    t = trackDelivery(t, makeUpdate({ status: 'read' }));
    expect(t.words?.text).toBe('Read on WhatsApp.');
  });

  it('moves to the fallback message and keeps the note', () => {
    let t = startTracking(41, 'whatsapp');
    t = trackDelivery(
      t,
      makeUpdate({
        status: 'failed',
        message: "This number isn't on WhatsApp. Sending by SMS instead.",
        fallbackOutboxId: 42,
        fallbackChannel: 'sms',
      }),
    );
    expect(t.outboxId).toBe(42);
    expect(t.channel).toBe('sms');
    expect(t.words?.text).toBe("This number isn't on WhatsApp. Sending by SMS instead.");
    t = trackDelivery(t, makeUpdate({ outboxId: 42, channel: 'sms', status: 'delivered' }));
    expect(t.words?.text).toBe('Delivered to the phone.');
    expect(t.fallbackNote).toBe("This number isn't on WhatsApp. Sending by SMS instead.");
  });

  it('keeps a fallback message’s early events until it is followed', () => {
    let t = startTracking(41, 'whatsapp');
    t = trackDelivery(t, makeUpdate({ outboxId: 42, channel: 'sms', status: 'sent' }));
    t = trackDelivery(t, makeUpdate({ status: 'failed', fallbackOutboxId: 42, fallbackChannel: 'sms' }));
    expect(t.outboxId).toBe(42);
    expect(t.words?.text).toBe('Sent by SMS. Waiting for the phone to receive it.');
    expect(t.pending[42]).toBeUndefined();
  });

  it('with no message known yet, only collects', () => {
    const t = trackDelivery(startTracking(null), makeUpdate());
    expect(t.words).toBeNull();
    expect(t.pending[41]?.status).toBe('sent');
  });
});
