// Staff sessions: who is signed in, in words; the password policy; when a command's
// rejection means "back to the sign-in screen".
import type { ApiError, Session } from './api';
import { formatDateTime } from './time';

/** Codes that mean the session is over: the desk drops to the sign-in screen. */
export const SESSION_END_CODES: readonly string[] = ['session_locked', 'sign_in_required'];

export function isSessionEnd(error: Pick<ApiError, 'code'>): boolean {
  return SESSION_END_CODES.includes(error.code);
}

export function isAdmin(session: Pick<Session, 'role'> | null | undefined): boolean {
  return session?.role === 'admin';
}

/** "reception" / "administrator". */
export function roleLabel(role: string): string {
  return role === 'admin' ? 'administrator' : role === 'reception' ? 'reception' : role;
}

/** "Signed in: Latha K (reception)". */
export function staffLine(session: Pick<Session, 'displayName' | 'userId' | 'role'>): string {
  const name = session.displayName.trim() || session.userId;
  return `Signed in: ${name} (${roleLabel(session.role)})`;
}

/** The words on the sign-in screen after the desk locked itself. */
export function idleLockMessage(minutes: number): string {
  const n = Math.max(1, Math.round(minutes));
  return `The desk locked itself after ${n} ${n === 1 ? 'minute' : 'minutes'} without use. Sign in again.`;
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const PASSWORD_POLICY = 'At least 8 characters. A long phrase you can remember is best.';

/** What is wrong with a new password (same rule and words as the Rust side), or null. */
export function passwordProblem(password: string): string | null {
  const n = [...password].length;
  if (n < PASSWORD_MIN) return 'Use a password of at least 8 characters.';
  if (n > PASSWORD_MAX) return 'That password is too long (128 characters at most).';
  return null;
}

/** As passwordProblem, and the two typings must match. */
export function newPasswordProblem(password: string, confirm: string): string | null {
  return passwordProblem(password) ?? (password === confirm ? null : "The two passwords don't match. Type the same password twice.");
}

/** "24 Nov 2026, 10:32", or "Never" for someone who has not signed in yet. */
export function lastSignInWords(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return 'Never';
  return formatDateTime(iso, timeZone) || iso;
}

// --- The recovery code ------------------------------------------------------------------------

/** Said wherever a recovery code is shown (once). */
export const RECOVERY_CODE_WORDS =
  'Write this recovery code down and keep it somewhere safe, away from the computer. It is the way back in if every administrator is locked out or forgets the password. It is shown only now.';

/** After a recovery code was used: the one typed is spent, this is the next. */
export const RECOVERY_USED_LEAD =
  'The new password is set, and the recovery code you typed is used up. This is the new one.';

/** Before an administrator makes a new recovery code. */
export const RECOVERY_NEW_QUESTION = 'Make a new recovery code? The old code stops working.';

/** What is wrong with the recovery form, or null; `field` says where the keyboard goes. */
export function recoveryFormProblem(form: {
  adminId: string;
  code: string;
  password: string;
  confirm: string;
}): { field: 'adminId' | 'code' | 'password' | 'confirm'; text: string } | null {
  if (form.adminId.trim() === '') return { field: 'adminId', text: "Type the administrator's user ID." };
  if (form.code.trim() === '') return { field: 'code', text: 'Type the recovery code, as written down.' };
  const pw = newPasswordProblem(form.password, form.confirm);
  if (pw) return { field: passwordProblem(form.password) ? 'password' : 'confirm', text: pw };
  return null;
}
