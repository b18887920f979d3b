import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PersonSummary } from '../lib/api';
import { makeSummary, NOT_VERIFIED, SENT_AT } from '../test/fixtures';
import { mockDesk } from '../test/fakeDesk';
import NeedsVerifying from './NeedsVerifying.svelte';

afterEach(() => {
  clearMocks();
});

const LATE = makeSummary({
  userId: 'W1',
  displayName: 'Anand Rao',
  phoneStatus: { state: 'notVerified', invalidatedAt: null, changedBy: null, due: { by: '2026-11-20T05:00:00.000Z', overdue: true } },
  emailStatus: { state: 'missing' },
  emailMasked: null,
});
const SOON = makeSummary({
  userId: 'W2',
  displayName: 'Priya Raman',
  phoneStatus: { state: 'practice', practicedAt: SENT_AT, due: { by: '2026-12-01T05:00:00.000Z', overdue: false } },
  emailStatus: NOT_VERIFIED,
});

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();

function setup(people: PersonSummary[] = [LATE, SOON]) {
  const desk = mockDesk({ needs_verifying: () => people });
  const onpick = vi.fn();
  render(NeedsVerifying, { onpick });
  return { desk, onpick };
}

describe('NeedsVerifying', () => {
  it('lists the people with their badges, overdue ones marked, oldest first', async () => {
    const { desk } = setup();
    const rows = await screen.findAllByTestId('needs-verifying-result');
    expect(desk.callsTo('needs_verifying')).toEqual([{}]);
    expect(rows.map((r) => r.dataset.userId)).toEqual(['W1', 'W2']);
    expect(text('needs-verifying-count')).toBe('2 people need verifying, 1 overdue. Oldest first.');

    const late = within(rows[0]!);
    expect(rows[0]!.dataset.overdue).toBe('true');
    expect(late.getByTestId('needs-phone-badge').textContent).toContain('Not verified');
    expect(late.getByTestId('needs-phone-due').textContent).toContain('Overdue — was due by 20 Nov 2026');

    const soon = within(rows[1]!);
    expect(rows[1]!.dataset.overdue).toBe('false');
    expect(soon.getByTestId('needs-phone-badge').textContent).toContain('Practice only');
    expect(soon.getByTestId('needs-phone-due').textContent).toContain('Due by 1 Dec 2026');
  });

  it('opens a person on click, and arrows move through the list', async () => {
    const { onpick } = setup();
    const rows = await screen.findAllByTestId('needs-verifying-result');
    await fireEvent.click(rows[1]!);
    expect(onpick).toHaveBeenCalledWith(SOON);
    rows[0]!.focus();
    await fireEvent.keyDown(rows[0]!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows[1]);
    await fireEvent.keyDown(rows[1]!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(rows[0]);
  });

  it('says when nobody needs verifying, and reads the list again on Refresh', async () => {
    let people: PersonSummary[] = [];
    const desk = mockDesk({ needs_verifying: () => people });
    render(NeedsVerifying, { onpick: vi.fn() });
    await waitFor(() =>
      expect(text('needs-verifying-count')).toBe('Nobody needs verifying: every contact the clinic requires is verified.'),
    );
    people = [SOON];
    await fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(screen.getAllByTestId('needs-verifying-result')).toHaveLength(1));
    expect(desk.callsTo('needs_verifying')).toHaveLength(2);
  });

  it('shows a refusal in Rust’s words', async () => {
    mockDesk({
      needs_verifying: () => {
        throw { code: 'internal', message: "The desk couldn't read or save its data. Try again." };
      },
    });
    render(NeedsVerifying, { onpick: vi.fn() });
    expect((await screen.findByTestId('needs-verifying-error')).textContent).toBe(
      "The desk couldn't read or save its data. Try again.",
    );
  });
});
