import { describe, expect, it } from 'vitest';
import {
  idleLockMessage,
  isAdmin,
  isSessionEnd,
  lastSignInWords,
  newPasswordProblem,
  passwordProblem,
  RECOVERY_CODE_WORDS,
  recoveryFormProblem,
  roleLabel,
  staffLine,
} from './session';

describe('isSessionEnd (which rejections send the desk back to sign-in)', () => {
  it('is true for session_locked and sign_in_required only', () => {
    expect(isSessionEnd({ code: 'session_locked' })).toBe(true);
    expect(isSessionEnd({ code: 'sign_in_required' })).toBe(true);
    for (const code of ['sign_in_failed', 'account_locked', 'admin_only', 'wrong_code', 'internal']) {
      expect(isSessionEnd({ code })).toBe(false);
    }
  });
});

describe('staffLine', () => {
  it('says who is signed in and their role in words', () => {
    expect(staffLine({ userId: 'latha.k', displayName: 'Latha K', role: 'reception' })).toBe(
      'Signed in: Latha K (reception)',
    );
    expect(staffLine({ userId: 'meera', displayName: 'Dr. Meera Rao', role: 'admin' })).toBe(
      'Signed in: Dr. Meera Rao (administrator)',
    );
  });

  it('falls back to the user ID when there is no name', () => {
    expect(staffLine({ userId: 'latha.k', displayName: '  ', role: 'reception' })).toBe('Signed in: latha.k (reception)');
  });

  it('roleLabel and isAdmin', () => {
    expect(roleLabel('admin')).toBe('administrator');
    expect(roleLabel('reception')).toBe('reception');
    expect(isAdmin({ role: 'admin' })).toBe(true);
    expect(isAdmin({ role: 'reception' })).toBe(false);
    expect(isAdmin(null)).toBe(false);
  });
});

describe('idleLockMessage', () => {
  it('names the minutes, singular or plural', () => {
    expect(idleLockMessage(5)).toBe('The desk locked itself after 5 minutes without use. Sign in again.');
    expect(idleLockMessage(1)).toBe('The desk locked itself after 1 minute without use. Sign in again.');
  });
});

describe('password policy (same rule and words as Rust)', () => {
  it('needs at least 8 characters, counted as characters not bytes', () => {
    expect(passwordProblem('short')).toBe('Use a password of at least 8 characters.');
    expect(passwordProblem('12345678')).toBeNull();
    expect(passwordProblem('नमस्ते नमस्ते')).toBeNull();
    expect(passwordProblem('x'.repeat(129))).toBe('That password is too long (128 characters at most).');
  });

  it('the two typings must match', () => {
    expect(newPasswordProblem('correct horse', 'correct horse')).toBeNull();
    expect(newPasswordProblem('correct horse', 'correct hose')).toContain("don't match");
    expect(newPasswordProblem('short', 'short')).toBe('Use a password of at least 8 characters.');
  });
});

describe('lastSignInWords', () => {
  it('shows the local time, or "Never"', () => {
    expect(lastSignInWords('2026-11-24T05:02:00.000Z', 'Asia/Kolkata')).toBe('24 Nov 2026, 10:32');
    expect(lastSignInWords(null)).toBe('Never');
  });
});

describe('the recovery form', () => {
  const ok = { adminId: 'meera', code: 'K7QPM-3XH9T-WB2RZ-N4VEC', password: 'a new passphrase', confirm: 'a new passphrase' };

  it('accepts a filled form with two matching passwords of 8 or more', () => {
    expect(recoveryFormProblem(ok)).toBeNull();
  });

  it('says what is missing, and which field to go to', () => {
    expect(recoveryFormProblem({ ...ok, adminId: ' ' })).toEqual({ field: 'adminId', text: "Type the administrator's user ID." });
    expect(recoveryFormProblem({ ...ok, code: '' })?.field).toBe('code');
    expect(recoveryFormProblem({ ...ok, password: 'short', confirm: 'short' })).toEqual({
      field: 'password',
      text: 'Use a password of at least 8 characters.',
    });
    expect(recoveryFormProblem({ ...ok, confirm: 'a new passphrasE' })).toEqual({
      field: 'confirm',
      text: "The two passwords don't match. Type the same password twice.",
    });
  });

  it('says where to keep the code and that it shows only once', () => {
    expect(RECOVERY_CODE_WORDS).toBe(
      'Write this recovery code down and keep it somewhere safe, away from the computer. It is the way back in if every administrator is locked out or forgets the password. It is shown only now.',
    );
  });
});
