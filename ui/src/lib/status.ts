// Pure functions turning the app status into the words the screen shows.
// Components only place these strings; all wording decisions live here.
import type { ApiError, AppStatus, Health, KeyringState } from './api';
import { clockWords } from './health';

/** How an item looks: always text + colour + icon, never colour alone. */
export type Tone = 'ok' | 'warning' | 'problem';

/** Show "Starting…" only when app_status takes longer than this. */
export const STARTING_INDICATOR_DELAY_MS = 300;

export function versionLabel(status: AppStatus): string {
  const v = status.version.trim();
  return /^v\d/i.test(v) ? `v${v.slice(1)}` : `v${v}`;
}

export function databaseLabel(status: AppStatus): string {
  return `database: ${status.databasePath}`;
}

export function migrationsLabel(status: AppStatus): string {
  return status.migrationsOk
    ? `schema ${status.schemaVersion} ✓`
    : `schema ${status.schemaVersion} — update failed`;
}

export function migrationsTone(status: AppStatus): Tone {
  return status.migrationsOk ? 'ok' : 'problem';
}

export function keyringLabel(status: AppStatus): string {
  return `keyring: ${status.keyring.state}`;
}

export function keyringTone(status: AppStatus): Tone {
  switch (status.keyring.state) {
    case 'ok':
      return 'ok';
    case 'locked':
    case 'unavailable':
      return 'warning';
    case 'error':
      return 'problem';
  }
}

const KEYRING_FALLBACK_MESSAGE =
  'The desk cannot use the system keyring. Ask your administrator.';

/**
 * The plain-words explanation shown next to a keyring that is not ok, or
 * `null` when the keyring is ok (nothing to explain).
 */
export function keyringMessage(status: AppStatus): string | null {
  if (status.keyring.state === 'ok') return null;
  const message = status.keyring.message.trim();
  return message === '' ? KEYRING_FALLBACK_MESSAGE : message;
}

/**
 * Messages waiting because a provider's saved secrets can't be read, in words that say what to
 * do; null when none wait. `state` is the keyring's state as last read.
 */
export function keyringWaitingWords(waiting: number, state: KeyringState): string | null {
  if (!(waiting > 0)) return null;
  const n = `${waiting.toLocaleString('en-IN')} waiting`;
  switch (state) {
    case 'locked':
      return `The keyring is locked: unlock it and the waiting messages go (${n})`;
    case 'ok':
      return `A saved password is missing from the keyring: the messages wait until an administrator enters it again (${n})`;
    default:
      return `The keyring can't be read: the waiting messages go once it works again (${n})`;
  }
}

/** How many messages wait for the keyring: the polled health if known, else the start-up status. */
export function waitingForKeyring(status: Pick<AppStatus, 'waitingForKeyring'>, health: Pick<Health, 'waitingForKeyring'> | null): number {
  return health?.waitingForKeyring ?? status.waitingForKeyring ?? 0;
}

/** The start-up warning when the code key lives only in memory (Rust's words), or null. */
export function temporaryPepperWords(status: Pick<AppStatus, 'temporaryPepper'>): string | null {
  const words = status.temporaryPepper?.trim() ?? '';
  return words === '' ? null : words;
}

/** The icon drawn beside a toned item (decorative; the text says the same). */
export function toneIcon(tone: Tone): string {
  switch (tone) {
    case 'ok':
      return '✓';
    case 'warning':
      return '!';
    case 'problem':
      return '✕';
  }
}

const NOTHING_CHANGED = 'Nothing has been changed.';

/**
 * Extra line under a start-up error. Only a database that is newer than this
 * desk gets "Nothing has been changed.", and only when the message does not
 * already say so (no repeated sentences).
 */
export function startupErrorNote(error: ApiError): string | null {
  if (error.code !== 'database_too_new') return null;
  const already = error.message.toLowerCase().includes('nothing has been changed');
  return already ? null : NOTHING_CHANGED;
}

// --- Delivery health (status bar) ------------------------------------------

/** One item of the delivery part of the status bar; `tone` null = plain information. */
export type HealthItem = { testid: string; label: string; tone: Tone | null };

export const DEMO_MODE_NOTICE = 'Demo mode — messages are not sent';

function plural(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}

/** What the status bar says about delivery: demo mode, channels, waiting messages, Gmail's count. */
export function healthItems(health: Health, timeZone?: string): HealthItem[] {
  const items: HealthItem[] = [];
  // Providers are `gmail`, `twilio_whatsapp` and `twilio_sms`; `twilio` covers both Twilio routes.
  const failing = (provider: string) =>
    health.lastTests.some((t) => t.provider.toLowerCase().startsWith(provider) && !t.ok);
  if (health.demoMode) {
    items.push({ testid: 'status-demo', label: DEMO_MODE_NOTICE, tone: 'warning' });
  } else {
    const twilio = health.credentials.twilioConfigured;
    items.push({
      testid: 'status-twilio',
      label: !twilio ? 'WhatsApp & SMS: not set up' : failing('twilio') ? 'WhatsApp & SMS: failing' : 'WhatsApp & SMS: ready',
      tone: !twilio ? 'warning' : failing('twilio') ? 'problem' : 'ok',
    });
    const gmail = health.credentials.gmailConfigured;
    items.push({
      testid: 'status-email',
      label: !gmail ? 'Email: not set up' : failing('gmail') ? 'Email: failing' : 'Email: ready',
      tone: !gmail ? 'warning' : failing('gmail') ? 'problem' : 'ok',
    });
  }
  if (health.waitingOffline > 0) {
    items.push({
      testid: 'status-offline',
      label: `No internet: ${plural(health.waitingOffline, 'message waits', 'messages wait')} for the connection`,
      tone: 'warning',
    });
  }
  if (health.queued > 0) {
    items.push({
      testid: 'status-queued',
      label: `${plural(health.queued, 'message', 'messages')} waiting to send`,
      tone: null,
    });
  }
  if (health.credentials.gmailConfigured) {
    const g = health.gmail;
    if (g.pausedUntil) {
      items.push({
        testid: 'status-gmail',
        label: `Gmail limit reached: email paused until ${clockWords(g.pausedUntil, timeZone)}`,
        tone: 'problem',
      });
    } else {
      items.push({
        testid: 'status-gmail',
        label: `Gmail today: ${g.sent24h} of ${g.limit}`,
        tone: g.warn ? 'warning' : null,
      });
    }
  }
  return items;
}
