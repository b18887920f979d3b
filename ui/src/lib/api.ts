// The only module that talks to the Rust side. Every other file imports the
// typed functions below; nothing else may import `@tauri-apps/api`.
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';

/** Every command rejects with this shape. `message` is plain words, shown as-is. */
export type ApiError = { code: string; message: string };

export type KeyringState = 'ok' | 'unavailable' | 'locked' | 'error';

export type KeyringStatus = {
  state: KeyringState;
  message: string;
  backend: string;
};

export type AppStatus = {
  appName: string;
  version: string;
  databasePath: string;
  logDir: string;
  schemaVersion: number;
  migrationsOk: boolean;
  migrationsApplied: number;
  keyring: KeyringStatus;
};

/** Error codes `app_status` may reject with; each means the desk could not start. */
export type StartupErrorCode =
  | 'database_too_new'
  | 'database_unavailable'
  | 'storage_unavailable'
  | 'not_ready'
  | 'internal';

export const INTERNAL_ERROR_MESSAGE =
  'The desk could not do that. Try again; if it keeps happening, ask your administrator.';

const KEYRING_STATES: readonly string[] = ['ok', 'unavailable', 'locked', 'error'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `e` has the `{ code, message }` shape the Rust side rejects with. */
export function isApiError(e: unknown): e is ApiError {
  return isRecord(e) && typeof e.code === 'string' && typeof e.message === 'string';
}

/**
 * Turns any rejection into an ApiError. Anything that is not `{ code, message }`
 * (a string from Tauri's permission layer, a JS exception, …) becomes `internal`
 * with a plain-words message, so the screen never shows a raw error.
 */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) {
    const message = e.message.trim();
    return {
      code: e.code.trim() === '' ? 'internal' : e.code,
      message: message === '' ? INTERNAL_ERROR_MESSAGE : message,
    };
  }
  return { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
}

function isAppStatus(value: unknown): value is AppStatus {
  if (!isRecord(value)) return false;
  const k = value.keyring;
  return (
    typeof value.appName === 'string' &&
    typeof value.version === 'string' &&
    typeof value.databasePath === 'string' &&
    typeof value.logDir === 'string' &&
    typeof value.schemaVersion === 'number' &&
    typeof value.migrationsOk === 'boolean' &&
    typeof value.migrationsApplied === 'number' &&
    isRecord(k) &&
    typeof k.state === 'string' &&
    KEYRING_STATES.includes(k.state) &&
    typeof k.message === 'string' &&
    typeof k.backend === 'string'
  );
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}

/**
 * `app_status`: what the desk needs to know at start. Rejects with an ApiError
 * when the desk could not start; a reply of the wrong shape is treated as
 * `internal` rather than drawn half-broken.
 */
export async function appStatus(): Promise<AppStatus> {
  const status = await call<unknown>('app_status');
  if (!isAppStatus(status)) {
    throw { code: 'internal', message: INTERNAL_ERROR_MESSAGE } satisfies ApiError;
  }
  return status;
}
