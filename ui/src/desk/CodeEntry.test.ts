import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionFromStarted } from '../lib/person';
import { EXPIRES_AT, makeStarted, RESEND_AT, SENT_AT } from '../test/fixtures';
import { mockDesk } from '../test/fakeDesk';
import CodeEntry from './CodeEntry.svelte';

afterEach(() => {
  clearMocks();
});

function setup(now: number) {
  mockDesk();
  const onsend = vi.fn<(c: string) => void>();
  render(CodeEntry, {
    userId: '+919876512345',
    session: sessionFromStarted(makeStarted()),
    others: ['sms', 'email'],
    clock: () => now,
    onverified: vi.fn(),
    onsend,
  });
  return { onsend };
}

describe('CodeEntry', () => {
  it('while the cooldown runs, "Send a new code" and the same-number channel wait; email does not', async () => {
    const { onsend } = setup(Date.parse(SENT_AT) + 6_000);
    const resend = screen.getByTestId('resend-button') as HTMLButtonElement;
    expect(resend.disabled).toBe(true);
    expect(resend.textContent).toContain('available in 0:24');
    expect((screen.getByTestId('other-sms') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('other-email'));
    expect(onsend).toHaveBeenCalledWith('email');
  });

  it('after the cooldown a new code can be sent by the same channel', async () => {
    const { onsend } = setup(Date.parse(RESEND_AT) + 1_000);
    const resend = screen.getByTestId('resend-button') as HTMLButtonElement;
    expect(resend.disabled).toBe(false);
    expect(resend.textContent?.trim()).toBe('Send a new code');
    await fireEvent.click(resend);
    expect(onsend).toHaveBeenCalledWith('whatsapp');
    await fireEvent.click(screen.getByTestId('other-sms'));
    expect(onsend).toHaveBeenLastCalledWith('sms');
  });

  it('an expired code says so and hands the keyboard to "Send a new code"', async () => {
    setup(Date.parse(EXPIRES_AT) + 1_000);
    expect(screen.getByTestId('code-message').textContent).toContain('This code has expired. Send a new one.');
    expect((screen.getByTestId('code-input') as HTMLInputElement).disabled).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('resend-button')));
  });

  it('an empty Enter asks for the code instead of checking', async () => {
    setup(Date.parse(SENT_AT) + 1_000);
    const input = screen.getByTestId('code-input');
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(screen.getByTestId('code-message').textContent).toContain('Type the 6-digit code');
  });
});
