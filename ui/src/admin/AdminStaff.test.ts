import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { StaffView } from '../lib/api';
import { makeStaff, RECOVERY_CODE } from '../test/fixtures';
import { mockDesk, type Handler } from '../test/fakeDesk';
import AdminStaff from './AdminStaff.svelte';

afterEach(() => {
  clearMocks();
});

const MEERA = makeStaff({ userId: 'meera', displayName: 'Dr. Meera Rao', role: 'admin', lastLogin: null });
const LATHA = makeStaff({ locked: true });
const ONLY_ADMIN = 'This is the only administrator. Make someone else an administrator first.';

function setup(overrides: Record<string, Handler> = {}) {
  const desk = mockDesk({ staff_list: () => [MEERA, LATHA], ...overrides });
  render(AdminStaff);
  return desk;
}

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();
const row = (userId: string) => screen.getAllByTestId('staff-row').find((r) => r.dataset.userId === userId)!;

describe('AdminStaff', () => {
  it('lists staff with role, state, lock and last sign-in', async () => {
    setup();
    await waitFor(() => expect(screen.getAllByTestId('staff-row')).toHaveLength(2));
    const meera = within(row('meera'));
    expect(meera.getByRole('rowheader').textContent).toBe('Dr. Meera Rao');
    expect((meera.getByRole('combobox', { name: 'Role Dr. Meera Rao' }) as HTMLSelectElement).value).toBe('admin');
    expect(row('meera').textContent).toContain('Never');
    expect(row('latha.k').textContent).toContain('Locked');
  });

  it('adds a staff member with the documented input', async () => {
    const added: StaffView = makeStaff({ userId: 'ravi.s', displayName: 'Ravi S', lastLogin: null });
    const desk = setup({ staff_add: () => added });
    await fireEvent.input(await screen.findByTestId('staff-add-name'), { target: { value: 'Ravi S' } });
    await fireEvent.input(screen.getByTestId('staff-add-user-id'), { target: { value: 'ravi.s' } });
    await fireEvent.input(screen.getByTestId('staff-add-password'), { target: { value: 'first password' } });
    await fireEvent.click(screen.getByTestId('staff-add-submit'));
    await waitFor(() => expect(text('staff-add-message')).toBe('Ravi S can now sign in as ravi.s.'));
    expect(desk.callsTo('staff_add')).toEqual([
      { input: { userId: 'ravi.s', displayName: 'Ravi S', role: 'reception', password: 'first password' } },
    ]);
    expect((screen.getByTestId('staff-add-password') as HTMLInputElement).value).toBe('');
    expect(screen.getAllByTestId('staff-row')).toHaveLength(3);
  });

  it('refuses a short password before calling Rust', async () => {
    const desk = setup();
    await fireEvent.input(await screen.findByTestId('staff-add-name'), { target: { value: 'Ravi S' } });
    await fireEvent.input(screen.getByTestId('staff-add-user-id'), { target: { value: 'ravi.s' } });
    await fireEvent.input(screen.getByTestId('staff-add-password'), { target: { value: 'short' } });
    await fireEvent.click(screen.getByTestId('staff-add-submit'));
    expect(text('staff-add-message')).toBe('Use a password of at least 8 characters.');
    expect(desk.callsTo('staff_add')).toEqual([]);
  });

  it('shows "the only administrator" as given and keeps the role shown', async () => {
    const desk = setup({
      staff_set_role: () => {
        throw { code: 'invalid_input', message: ONLY_ADMIN };
      },
      staff_set_active: () => {
        throw { code: 'invalid_input', message: ONLY_ADMIN };
      },
    });
    await waitFor(() => expect(screen.getAllByTestId('staff-row')).toHaveLength(2));
    const select = screen.getByTestId('staff-role-meera') as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'reception' } });
    await waitFor(() => expect(text('staff-message')).toBe(ONLY_ADMIN));
    expect(select.value).toBe('admin');
    expect(desk.callsTo('staff_set_role')).toEqual([{ userId: 'meera', role: 'reception' }]);

    await fireEvent.click(screen.getByTestId('staff-active-meera'));
    await waitFor(() => expect(desk.callsTo('staff_set_active')).toEqual([{ userId: 'meera', active: false }]));
    expect(text('staff-message')).toBe(ONLY_ADMIN);
  });

  it('disables an account and sets a new password inline', async () => {
    const desk = setup({
      staff_set_active: () => ({ ...LATHA, isActive: false }),
      staff_reset_password: () => ({ ...LATHA, isActive: false, locked: false }),
    });
    await waitFor(() => expect(screen.getAllByTestId('staff-row')).toHaveLength(2));
    await fireEvent.click(screen.getByRole('button', { name: 'Disable Latha K' }));
    await waitFor(() => expect(text('staff-message')).toBe('Latha K can no longer sign in.'));
    expect(screen.getByTestId('staff-active-latha.k').textContent).toContain('Enable');

    await fireEvent.click(screen.getByTestId('staff-reset-latha.k'));
    const field = screen.getByLabelText('New password for Latha K') as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(field));
    await fireEvent.input(field, { target: { value: 'a new passphrase' } });
    await fireEvent.keyDown(field, { key: 'Enter' });
    await waitFor(() => expect(text('staff-message')).toContain('New password set for Latha K.'));
    expect(desk.callsTo('staff_reset_password')).toEqual([{ userId: 'latha.k', password: 'a new passphrase' }]);
    expect(screen.queryByLabelText('New password for Latha K')).toBeNull();
    expect(row('latha.k').textContent).not.toContain('Locked');
  });
});

describe('AdminStaff: unlocking and the recovery code', () => {
  it('"Unlock" lifts a locked account’s wait or block', async () => {
    const desk = setup({ staff_unlock: () => ({ ...LATHA, locked: false }) });
    await waitFor(() => expect(screen.getAllByTestId('staff-row')).toHaveLength(2));
    expect(within(row('meera')).queryByRole('button', { name: /Unlock/ })).toBeNull();
    expect(row('latha.k').textContent).toContain('Waiting or blocked after wrong passwords.');
    await fireEvent.click(within(row('latha.k')).getByRole('button', { name: 'Unlock Latha K' }));
    await waitFor(() => expect(text('staff-message')).toBe('Latha K can try signing in again: the wait after wrong passwords is lifted.'));
    expect(desk.callsTo('staff_unlock')).toEqual([{ userId: 'latha.k' }]);
    expect(row('latha.k').textContent).not.toContain('Locked');
    expect(screen.queryByTestId('staff-unlock-latha.k')).toBeNull();
  });

  it('shows a refused unlock in Rust’s words', async () => {
    setup({
      staff_unlock: () => {
        throw { code: 'admin_only', message: 'Only an administrator can do that.' };
      },
    });
    await fireEvent.click(await screen.findByTestId('staff-unlock-latha.k'));
    await waitFor(() => expect(text('staff-message')).toBe('Only an administrator can do that.'));
    expect(row('latha.k').textContent).toContain('Locked');
  });

  it('makes a new recovery code after a confirm, and shows it once', async () => {
    const desk = setup({ recovery_code_new: () => RECOVERY_CODE });
    await fireEvent.click(await screen.findByRole('button', { name: 'Make a new recovery code' }));
    expect(text('recovery-new-question')).toContain('Make a new recovery code? The old code stops working.');
    await fireEvent.click(screen.getByRole('button', { name: 'Keep the old code' }));
    expect(desk.callsTo('recovery_code_new')).toEqual([]);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('recovery-new')));

    await fireEvent.click(screen.getByTestId('recovery-new'));
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, make a new code' }));
    expect((await screen.findByTestId('recovery-code')).textContent).toBe(RECOVERY_CODE);
    expect(text('recovery-code-words')).toContain('It is shown only now.');
    expect(desk.callsTo('recovery_code_new')).toEqual([{}]);

    await fireEvent.click(screen.getByRole('button', { name: 'I have written it down' }));
    expect(document.body.textContent).not.toContain(RECOVERY_CODE);
    expect(text('recovery-new-message')).toBe('The new recovery code is in use. The old one no longer works.');
  });
});
