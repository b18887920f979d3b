import type { AppStatus, KeyringStatus } from '../lib/api';

export function makeStatus(overrides: Partial<AppStatus> = {}, keyring: Partial<KeyringStatus> = {}): AppStatus {
  return {
    appName: 'Skinspire Verify Desk',
    version: '0.1.0',
    databasePath: '/home/desk/.local/share/skinspire-verify-desk/desk.sqlite3',
    logDir: '/home/desk/.local/share/skinspire-verify-desk/logs',
    schemaVersion: 3,
    migrationsOk: true,
    migrationsApplied: 0,
    ...overrides,
    keyring: {
      state: 'ok',
      message: '',
      backend: 'secret-service',
      ...keyring,
    },
  };
}
