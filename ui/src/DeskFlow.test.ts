// The whole desk, as reception uses it: keyboard first, with a fake Rust side.
import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import type { DemoMessage, PersonView } from './lib/api';
import {
  makeCheckResult,
  makeHealth,
  makePerson,
  makeStarted,
  makeSummary,
  makeUpdate,
  NOTICE,
  SENT_AT,
} from './test/fixtures';
import { deferred, emitDelivery, mockDesk, type Handler } from './test/fakeDesk';
import { toSummary } from './lib/person';

beforeEach(() => {
  // Only the clock is fake (countdowns); timers stay real for debouncing and waitFor.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse(SENT_AT) + 5_000);
});

afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

const PERSON = makePerson();

function start(overrides: Record<string, Handler> = {}) {
  const desk = mockDesk({
    people_search: () => [makeSummary()],
    person_get: () => PERSON,
    verification_start: () => makeStarted(),
    ...overrides,
  });
  render(App);
  return desk;
}

function text(testId: string): string {
  return (screen.getByTestId(testId).textContent ?? '').replace(/\s+/g, ' ').trim();
}

async function openPriya(): Promise<HTMLInputElement> {
  const search = (await screen.findByTestId('search-input')) as HTMLInputElement;
  await waitFor(() => expect(document.activeElement).toBe(search));
  await fireEvent.input(search, { target: { value: 'priya' } });
  await screen.findByTestId('search-result');
  await fireEvent.keyDown(search, { key: 'Enter' });
  await screen.findByTestId('person-name');
  return search;
}

describe('the desk', () => {
  it('shows the clinic name and the product in the header', async () => {
    start();
    expect((await screen.findByTestId('clinic-name')).textContent).toBe('Skinspire Clinic, Jayanagar');
    expect(screen.getByText('Skinspire Verify Desk')).toBeTruthy();
  });

  it('in demo mode: says so in the status bar and shows the demo outbox', async () => {
    const demo: DemoMessage = {
      outboxId: 41,
      at: SENT_AT,
      channel: 'sms',
      toMasked: '+91 98••• ••345',
      subject: null,
      text: 'Skinspire Clinic: your code is 482913',
    };
    start({ delivery_health: () => makeHealth({ demoMode: true, queued: 2 }), demo_outbox: () => [demo] });
    expect((await screen.findByTestId('status-demo')).textContent).toBe('Demo mode — messages are not sent');
    expect(text('status-queued')).toBe('2 messages waiting to send');
    expect(text('demo-outbox')).toContain('Demo outbox — these messages were NOT sent');
    expect((await screen.findByTestId('demo-message')).textContent).toContain('482913');
    // Keyring etc. stay.
    expect(text('status-keyring')).toBe('keyring: ok');
  });

  it('without demo mode there is no demo outbox', async () => {
    start();
    await screen.findByTestId('status-twilio');
    expect(screen.queryByTestId('demo-outbox')).toBeNull();
    expect(screen.queryByTestId('status-demo')).toBeNull();
  });

  it('keyboard flow: search, Enter, tick, Alt+W, type the code, back to search', async () => {
    const result = makeCheckResult(PERSON);
    const desk = start({ verification_check: () => result });
    const search = await openPriya();

    // The keyboard is on the phone's consent box; Space ticks it.
    const consent = screen.getByTestId('consent-phone') as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(consent));
    await fireEvent.click(consent);

    await fireEvent.keyDown(consent, { key: 'w', code: 'KeyW', altKey: true });
    const input = (await screen.findByTestId('code-input')) as HTMLInputElement;
    expect(desk.callsTo('verification_start')).toEqual([{ userId: PERSON.userId, channel: 'whatsapp', consent: true }]);
    await waitFor(() => expect(document.activeElement).toBe(input));
    // The search list shows the new state too.
    expect(within(screen.getByTestId('search-result')).getByTestId('result-phone-badge').textContent).toContain(
      'Code sent',
    );

    await fireEvent.input(input, { target: { value: '482913' } });
    await waitFor(() => expect(screen.getByTestId('phone-badge').dataset.state).toBe('verified'));
    expect(document.activeElement).toBe(search);
    expect(within(screen.getByTestId('search-result')).getByTestId('result-phone-badge').textContent).toContain(
      'Verified',
    );
  });

  it('Alt+W without the box ticked asks first and sends nothing', async () => {
    const desk = start();
    await openPriya();
    await fireEvent.keyDown(window, { key: 'w', code: 'KeyW', altKey: true });
    expect(text('phone-send-error')).toContain('tick the box');
    expect(desk.callsTo('verification_start')).toEqual([]);
  });

  it('Ctrl+K, / and Esc bring the keyboard back to search', async () => {
    start();
    const search = await openPriya();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('consent-phone')));
    const edit = screen.getByTestId('edit-contact');

    edit.focus();
    await fireEvent.keyDown(edit, { key: 'k', ctrlKey: true });
    expect(document.activeElement).toBe(search);

    edit.focus();
    await fireEvent.keyDown(edit, { key: '/' });
    expect(document.activeElement).toBe(search);

    (screen.getByTestId('consent-email') as HTMLElement).focus();
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(document.activeElement).toBe(search);
  });

  it('a slow person record does not pull the keyboard away from search', async () => {
    const record = deferred<PersonView>();
    start({ person_get: () => record.promise });
    const search = await openPriya();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('consent-phone')));
    await fireEvent.keyDown(document.activeElement!, { key: 'k', ctrlKey: true });
    expect(document.activeElement).toBe(search);
    record.resolve(PERSON);
    await screen.findByText(/Prefers/);
    expect(document.activeElement).toBe(search);
  });

  it('follows delivery events for the code it sent', async () => {
    start();
    await openPriya();
    await fireEvent.click(screen.getByTestId('consent-phone'));
    await fireEvent.click(screen.getByTestId('send-whatsapp'));
    await screen.findByTestId('code-input');
    await emitDelivery(makeUpdate({ status: 'sent', demo: true }));
    await waitFor(() => expect(text('delivery-state')).toContain('Demo mode:'));
  });

  it('adds a walk-in inline and opens them, ready to verify', async () => {
    const added = makePerson({ userId: 'W9', displayName: 'Anil Shetty' });
    const desk = start({ person_add: () => added, person_get: () => added });
    await fireEvent.click(await screen.findByTestId('add-walkin'));
    const form = screen.getByTestId('person-form');
    await fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'Anil Shetty' } });
    await fireEvent.input(within(form).getByLabelText('Mobile number'), { target: { value: '9845012345' } });
    await fireEvent.click(screen.getByTestId('save-person'));

    expect((await screen.findByTestId('person-name')).textContent).toBe('Anil Shetty');
    expect(text('person-notice')).toBe('Anil Shetty added.');
    expect(desk.callsTo('person_add')).toHaveLength(1);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('consent-phone')));
  });

  it('edits a contact and says it needs verifying again', async () => {
    const verified = makeCheckResult(PERSON).person;
    const changed = makePerson({ phone: '+919876500000', phoneMasked: '+91 98••• ••000' });
    start({
      people_search: () => [toSummary(verified)],
      person_get: () => verified,
      person_update: () => ({ person: changed, outcome: { invalidated: ['phone'] } }),
    });
    await openPriya();
    await fireEvent.click(screen.getByTestId('edit-contact'));
    const phone = within(screen.getByTestId('person-form')).getByLabelText('Mobile number');
    await fireEvent.input(phone, { target: { value: '+919876500000' } });
    expect(text('phone-change-warning')).toContain('This number is verified. Changing it means verifying it again.');
    await fireEvent.click(screen.getByTestId('save-person'));
    expect((await screen.findByTestId('person-notice')).textContent).toBe(
      'The mobile number changed, so it needs verifying again.',
    );
  });
});

describe('the desk: needs verifying and the consent notice', () => {
  const LATE = makeSummary({
    userId: 'W7',
    displayName: 'Anand Rao',
    phoneStatus: { state: 'notVerified', invalidatedAt: null, changedBy: null, due: { by: '2026-11-20T05:00:00.000Z', overdue: true } },
  });

  it('"Needs verifying" lists the people next to search; one opens like a search hit; Ctrl+K goes back', async () => {
    const desk = start({ needs_verifying: () => [LATE], person_get: () => makePerson({ ...LATE, phone: '+919876512345', email: null }) });
    const search = (await screen.findByTestId('search-input')) as HTMLInputElement;
    await fireEvent.input(search, { target: { value: 'pri' } });
    await screen.findByTestId('search-result');

    await fireEvent.click(screen.getByRole('button', { name: 'Needs verifying' }));
    const row = await screen.findByTestId('needs-verifying-result');
    expect(screen.getByTestId('needs-verifying-button').getAttribute('aria-pressed')).toBe('true');
    expect(within(row).getByTestId('needs-phone-due').textContent).toContain('Overdue');
    expect(search.closest('[hidden]')).not.toBeNull();

    await fireEvent.click(row);
    expect((await screen.findByTestId('person-name')).textContent).toBe('Anand Rao');
    expect(desk.callsTo('person_get')).toContainEqual({ userId: 'W7' });

    await fireEvent.keyDown(document.activeElement ?? window, { key: 'k', ctrlKey: true });
    await waitFor(() => expect(document.activeElement).toBe(search));
    expect(search.closest('[hidden]')).toBeNull();
    // The search kept what was typed and found.
    expect(search.value).toBe('pri');
    expect(screen.getByTestId('search-result')).toBeTruthy();
    expect(screen.queryByTestId('needs-verifying')).toBeNull();
  });

  it('reads the consent notice once (in English) and shows it for every person opened', async () => {
    const desk = start({ people_search: () => [makeSummary(), makeSummary({ userId: 'W2', displayName: 'Ravi Kumar' })] });
    await fireEvent.input(await screen.findByTestId('search-input'), { target: { value: 'r' } });
    const results = await screen.findAllByTestId('search-result');
    await fireEvent.click(results[0]!);
    expect((await screen.findByTestId('phone-consent-notice')).textContent).toContain(NOTICE.text);
    await fireEvent.click(results[1]!);
    await waitFor(() => expect(screen.getByTestId('person-panel').dataset.userId).toBe('W2'));
    expect(screen.getByTestId('phone-consent-notice').textContent).toContain(NOTICE.text);
    expect(desk.callsTo('consent_notice')).toEqual([{ language: 'en' }]);
  });
});
