import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PersonSummary } from '../lib/api';
import { makeSummary, SENT_AT } from '../test/fixtures';
import { deferred, mockDesk } from '../test/fakeDesk';
import SearchPanel from './SearchPanel.svelte';

afterEach(() => {
  clearMocks();
});

const PRIYA = makeSummary({
  phoneStatus: { state: 'verified', verifiedAt: SENT_AT, verifiedBy: 'reception', channel: 'sms', validUntil: null },
  emailStatus: { state: 'notVerified', invalidatedAt: null, changedBy: null, due: null },
});
const RAVI = makeSummary({
  userId: 'W2',
  displayName: 'Ravi Kumar',
  phoneMasked: '+91 99••• ••210',
  emailMasked: null,
  phoneStatus: {
    state: 'codeSent',
    channel: 'whatsapp',
    targetMasked: '+91 99••• ••210',
    sentAt: SENT_AT,
    expiresAt: SENT_AT,
    attemptsLeft: 3,
    resendAvailableAt: SENT_AT,
  },
  emailStatus: { state: 'missing' },
});

function setup(found: PersonSummary[] = [PRIYA, RAVI]) {
  const desk = mockDesk({ people_search: () => found });
  const onpick = vi.fn();
  const onaddwalkin = vi.fn();
  render(SearchPanel, { onpick, onaddwalkin });
  const input = screen.getByRole('searchbox', { name: 'Find a person' }) as HTMLInputElement;
  return { desk, onpick, onaddwalkin, input };
}

describe('SearchPanel', () => {
  it('shows results as you type, with masked contacts and badges in words', async () => {
    const { desk, input } = setup();
    await fireEvent.input(input, { target: { value: 'pri' } });

    const results = await screen.findAllByTestId('search-result');
    expect(desk.callsTo('people_search')).toEqual([{ query: 'pri' }]);
    expect(results).toHaveLength(2);
    expect(results[0]!.dataset.userId).toBe('+919876512345');

    const first = within(results[0]!);
    expect(first.getByText('Priya Raman')).toBeTruthy();
    expect(first.getByText('+91 98••• ••345')).toBeTruthy();
    expect(first.getByTestId('result-phone-badge').textContent).toContain('Verified');
    expect(first.getByTestId('result-phone-badge').textContent).toContain('✓');
    expect(first.getByTestId('result-email-badge').textContent).toContain('Not verified');

    const second = within(results[1]!);
    expect(second.getByTestId('result-phone-badge').textContent).toContain('Code sent');
    expect(second.getByTestId('result-email-badge').textContent).toContain('No email');
    // When and by whom, on hover.
    expect(first.getByTestId('result-phone-badge').getAttribute('title')).toContain('by reception');
  });

  it('waits for typing to pause before searching (one call, latest text)', async () => {
    const { desk, input } = setup();
    await fireEvent.input(input, { target: { value: 'p' } });
    await fireEvent.input(input, { target: { value: 'pr' } });
    await fireEvent.input(input, { target: { value: 'pri' } });
    await screen.findAllByTestId('search-result');
    expect(desk.callsTo('people_search')).toEqual([{ query: 'pri' }]);
  });

  it('arrow keys move through results and Enter picks', async () => {
    const { input, onpick } = setup();
    await fireEvent.input(input, { target: { value: 'pri' } });
    const results = await screen.findAllByTestId('search-result');

    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(results[0]);
    await fireEvent.keyDown(results[0]!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(results[1]);
    await fireEvent.keyDown(results[1]!, { key: 'ArrowUp' });
    await fireEvent.keyDown(results[0]!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(input);

    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(onpick).toHaveBeenCalledWith(PRIYA);
    await fireEvent.click(results[1]!);
    expect(onpick).toHaveBeenLastCalledWith(RAVI);
  });

  it('Enter before the search has run searches at once and opens the first', async () => {
    const { input, onpick } = setup();
    await fireEvent.input(input, { target: { value: 'ravi' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(onpick).toHaveBeenCalledWith(PRIYA));
  });

  it('shows progress when a search is slow', async () => {
    const slow = deferred<PersonSummary[]>();
    mockDesk({ people_search: () => slow.promise });
    render(SearchPanel, { onpick: vi.fn(), onaddwalkin: vi.fn() });
    await fireEvent.input(screen.getByTestId('search-input'), { target: { value: 'pri' } });
    expect((await screen.findByTestId('search-progress', {}, { timeout: 2000 })).textContent).toContain('Searching…');
    slow.resolve([PRIYA]);
    await screen.findByTestId('search-result');
    expect(screen.queryByTestId('search-progress')).toBeNull();
  });

  it('says so when no one matches', async () => {
    const { input } = setup([]);
    await fireEvent.input(input, { target: { value: 'zzz' } });
    expect((await screen.findByTestId('search-none')).textContent).toContain('No one found for “zzz”');
  });

  it('offers sample data and a walk-in on an empty desk (administrators)', async () => {
    const desk = mockDesk({ sample_data_load: () => 40 });
    const onaddwalkin = vi.fn();
    const onpeoplechanged = vi.fn();
    render(SearchPanel, { onpick: vi.fn(), onaddwalkin, onpeoplechanged, peopleCount: 0, canLoadSample: true });

    await fireEvent.click(screen.getByTestId('add-walkin'));
    expect(onaddwalkin).toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('load-sample-data'));
    expect((await screen.findByTestId('sample-message')).textContent).toContain('Added 40 sample people.');
    expect(desk.callsTo('sample_data_load')).toEqual([{}]);
    expect(screen.queryByTestId('load-sample-data')).toBeNull();
    expect(onpeoplechanged).toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByTestId('search-input'));
  });

  it('tells reception to add a walk-in on an empty desk (no sample data: admins only)', async () => {
    mockDesk();
    render(SearchPanel, { onpick: vi.fn(), onaddwalkin: vi.fn(), peopleCount: 0, canLoadSample: false });
    expect(screen.getByTestId('empty-state').textContent).toContain('No people on this desk yet. Add a walk-in.');
    expect(screen.queryByTestId('load-sample-data')).toBeNull();
  });

  it('shows no empty state when the desk has people, or the count is not known', async () => {
    mockDesk();
    const { rerender } = render(SearchPanel, { onpick: vi.fn(), onaddwalkin: vi.fn(), peopleCount: 3, canLoadSample: true });
    expect(screen.queryByTestId('empty-state')).toBeNull();
    await rerender({ peopleCount: null });
    expect(screen.queryByTestId('empty-state')).toBeNull();
    await rerender({ peopleCount: 0 });
    expect(screen.getByTestId('empty-state')).toBeTruthy();
  });

  it('hides sample data once it is known the desk has people', async () => {
    mockDesk({
      sample_data_load: () => {
        throw { code: 'not_empty', message: 'Sample data can only be loaded into an empty desk.' };
      },
    });
    render(SearchPanel, { onpick: vi.fn(), onaddwalkin: vi.fn(), peopleCount: 0, canLoadSample: true });
    await fireEvent.click(screen.getByTestId('load-sample-data'));
    await waitFor(() => expect(screen.queryByTestId('empty-state')).toBeNull());
    expect(screen.getByTestId('sample-error').textContent).toContain('only be loaded into an empty desk');
  });

  it('shows a search error in the Rust side’s words', async () => {
    mockDesk({
      people_search: () => {
        throw { code: 'internal', message: "The desk couldn't read or save its data. Try again." };
      },
    });
    render(SearchPanel, { onpick: vi.fn(), onaddwalkin: vi.fn() });
    await fireEvent.input(screen.getByTestId('search-input'), { target: { value: 'pri' } });
    expect((await screen.findByTestId('search-error')).textContent).toBe(
      "The desk couldn't read or save its data. Try again.",
    );
  });
});

describe('SearchPanel: due dates', () => {
  it('shows "Due by" and marks overdue contacts in the results', async () => {
    const late = makeSummary({
      phoneStatus: { state: 'notVerified', invalidatedAt: null, changedBy: null, due: { by: '2026-11-20T05:00:00.000Z', overdue: true } },
      emailStatus: { state: 'practice', practicedAt: SENT_AT, due: { by: '2026-12-01T05:00:00.000Z', overdue: false } },
    });
    const { input } = setup([late, RAVI]);
    await fireEvent.input(input, { target: { value: 'pri' } });
    const [first, second] = await screen.findAllByTestId('search-result');
    const one = within(first!);
    expect(one.getByTestId('result-phone-due').textContent).toContain('Overdue — was due by 20 Nov 2026');
    expect(one.getByTestId('result-phone-due').dataset.overdue).toBe('true');
    expect(one.getByTestId('result-email-due').textContent).toContain('Due by 1 Dec 2026');
    expect(one.getByTestId('result-email-badge').textContent).toContain('Practice only');
    expect(within(second!).queryByTestId('result-phone-due')).toBeNull();
  });
});
