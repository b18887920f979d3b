// Pure functions turning the app status into the words the screen shows.
// Components only place these strings; all wording decisions live here.
import type { ApiError, AppStatus } from './api';

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
