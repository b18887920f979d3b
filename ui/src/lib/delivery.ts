// Live delivery state for one message, in plain words, from `delivery` events.
import type { Channel, DeliveryStatus, DeliveryUpdate, OutboxEntry } from './api';
import { channelLabel } from './badges';

export type DeliveryTone = 'info' | 'ok' | 'warning' | 'problem' | 'neutral';

export type DeliveryWords = { text: string; tone: DeliveryTone; icon: string };

export const OFFLINE_WORDS = 'No internet. The message will go when the connection is back.';
export const DEMO_PREFIX = 'Demo mode: ';

function toneIcon(tone: DeliveryTone): string {
  switch (tone) {
    case 'ok':
      return '✓';
    case 'info':
      return '◷';
    case 'warning':
      return '!';
    case 'problem':
      return '✕';
    case 'neutral':
      return '•';
  }
}

function statusTone(status: DeliveryStatus | string): DeliveryTone {
  switch (status) {
    case 'queued':
    case 'sending':
    case 'sent':
      return 'info';
    case 'delivered':
    case 'read':
      return 'ok';
    case 'failed':
    case 'undelivered':
    case 'expired':
      return 'problem';
    default:
      return 'neutral';
  }
}

/** Our own words for a status, used when the Rust side sends no message. */
export function statusWords(status: DeliveryStatus | string, channel: Channel | string): string {
  const by = channelLabel(channel) || 'this channel';
  const isEmail = channel === 'email';
  switch (status) {
    case 'queued':
      return 'Waiting to send.';
    case 'sending':
      return `Sending by ${by}…`;
    case 'sent':
      return isEmail
        ? 'Sent. Email can take a minute to arrive; ask them to check their spam folder too.'
        : `Sent by ${by}. Waiting for the phone to receive it.`;
    case 'delivered':
      return isEmail ? 'Delivered to the mailbox.' : 'Delivered to the phone.';
    case 'read':
      return `Read on ${by}.`;
    case 'failed':
      return `Couldn't send by ${by}. Send a new code another way.`;
    case 'undelivered':
      return isEmail
        ? "The email didn't arrive. Check the address, or send the code another way."
        : `The phone didn't receive the ${by} message. Check the number, or send the code another way.`;
    case 'cancelled':
      return 'This message was cancelled: a newer code replaced it, the contact changed, or consent was withdrawn.';
    case 'expired':
      return 'The code expired before the message could go. Send a new one.';
    case 'unknown':
    default:
      return `Sent by ${by}, but the service hasn't said whether it arrived.`;
  }
}

/**
 * The words for one update. Precedence: a fallback says what happens next;
 * a waiting message (offline) says why it waits; otherwise the Rust side's message, else our
 * words for the status. Demo mode is always said first.
 */
export function deliveryWords(u: DeliveryUpdate): DeliveryWords {
  let text: string;
  let tone: DeliveryTone;
  if (u.fallbackOutboxId !== null && u.fallbackChannel) {
    text =
      u.message?.trim() ||
      `Couldn't send by ${channelLabel(u.channel)}. Sending by ${channelLabel(u.fallbackChannel)} instead.`;
    tone = 'warning';
  } else if (u.offline) {
    // Waiting: for the internet, or for the keyring ("The keyring is locked: unlock it and the
    // waiting messages go."). The Rust side says which; our words only when it says nothing.
    text = u.message?.trim() || OFFLINE_WORDS;
    tone = 'warning';
  } else {
    text = u.message?.trim() || statusWords(u.status, u.channel);
    tone = statusTone(u.status);
  }
  if (u.demo) {
    if (!text.toLowerCase().startsWith('demo mode')) {
      text = `${DEMO_PREFIX}${u.message?.trim() ? text : demoText(u)}`;
    }
    if (tone === 'ok' || tone === 'info') tone = 'info';
  }
  return { text, tone, icon: toneIcon(tone) };
}

function demoText(u: DeliveryUpdate): string {
  switch (u.status) {
    case 'failed':
    case 'undelivered':
    case 'expired':
    case 'cancelled':
      return statusWords(u.status, u.channel);
    default:
      return 'the message was not sent. It is in the Demo outbox.';
  }
}

/** Stored states whose `lastError` says why, in the Rust side's words. */
const STORED_REASON: readonly string[] = ['queued', 'failed', 'undelivered', 'cancelled'];

/** The words for a stored outbox row (before any live event has arrived). */
export function outboxWords(entry: OutboxEntry, demo = false): DeliveryWords {
  return deliveryWords({
    outboxId: entry.id,
    userId: entry.userId,
    codeType: entry.codeType,
    channel: entry.channel,
    status: entry.status,
    message: STORED_REASON.includes(entry.status) ? entry.lastError : null,
    fallbackOutboxId: null,
    fallbackChannel: null,
    // A queued row with a reason is waiting for something (the internet, the keyring).
    offline: entry.status === 'queued' && (entry.lastError ?? '').trim() !== '',
    demo,
  });
}

/** What the screen follows for one code: the message it watches, and what it has heard. */
export type Tracking = {
  /** The message being followed; moves to the fallback message after a fallback. */
  outboxId: number | null;
  channel: string | null;
  words: DeliveryWords | null;
  /** Said once a fallback happened, kept above the fallback message's own state. */
  fallbackNote: string | null;
  /** Updates for messages not (yet) followed, in case a fallback's events come first. */
  pending: Record<number, DeliveryUpdate>;
};

export function startTracking(outboxId: number | null, channel: string | null = null): Tracking {
  return { outboxId, channel, words: null, fallbackNote: null, pending: {} };
}

/** Folds one `delivery` event into the tracking state (pure; returns a new state). */
export function trackDelivery(t: Tracking, u: DeliveryUpdate): Tracking {
  if (t.outboxId === null || u.outboxId !== t.outboxId) {
    return { ...t, pending: { ...t.pending, [u.outboxId]: u } };
  }
  if (u.fallbackOutboxId !== null && u.fallbackChannel) {
    const note = deliveryWords(u).text;
    const next: Tracking = {
      outboxId: u.fallbackOutboxId,
      channel: u.fallbackChannel,
      words: { text: note, tone: 'warning', icon: '!' },
      fallbackNote: note,
      pending: { ...t.pending },
    };
    const early = next.pending[u.fallbackOutboxId];
    if (early) {
      delete next.pending[u.fallbackOutboxId];
      return trackDelivery(next, early);
    }
    return next;
  }
  return { ...t, channel: u.channel, words: deliveryWords(u) };
}
