import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult, PersonView } from '../lib/api';
import {
  makeCheckResult,
  makePerson,
  makeStarted,
  makeUpdate,
  SENT_AT,
} from '../test/fixtures';
import { deferred, emitDelivery, mockDesk, SETTINGS, type Handler } from '../test/fakeDesk';
import PersonPanel from './PersonPanel.svelte';

afterEach(() => {
  clearMocks();
});

/** Five seconds after the code went: 9:55 left, a new code available in 0:25. */
const NOW = Date.parse(SENT_AT) + 5_000;

function setup(overrides: Record<string, Handler> = {}, person: PersonView = makePerson()) {
  const desk = mockDesk({
    person_get: () => person,
    verification_start: () => makeStarted(),
    ...overrides,
  });
  const onverified = vi.fn<(r: CheckResult) => void>();
  const onperson = vi.fn();
  render(PersonPanel, {
    userId: person.userId,
    settings: SETTINGS,
    clock: () => NOW,
    onverified,
    onperson,
  });
  return { desk, onverified, onperson };
}

function text(testId: string): string {
  return (screen.getByTestId(testId).textContent ?? '').replace(/\s+/g, ' ').trim();
}

async function sendByWhatsApp(): Promise<HTMLInputElement> {
  await fireEvent.click(await screen.findByTestId('consent-phone'));
  await fireEvent.click(screen.getByTestId('send-whatsapp'));
  return (await screen.findByTestId('code-input')) as HTMLInputElement;
}

describe('PersonPanel', () => {
  it('shows the person with masked contacts and a badge per contact', async () => {
    setup();
    expect((await screen.findByTestId('person-name')).textContent).toBe('Priya Raman');
    expect(text('phone-masked')).toBe('+91 98••• ••345');
    expect(text('phone-badge')).toContain('Not verified');
    expect(text('email-badge')).toContain('Not verified');
    expect(screen.getByText(/Prefers தமிழ்/)).toBeTruthy();
    // The full number is never drawn here.
    expect(document.body.textContent).not.toContain('9876512345');
    // Keyboard lands on the first step: the phone's consent box.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('consent-phone')));
  });

  it('offers only the channels that make sense', async () => {
    setup({}, makePerson({ email: null, emailMasked: null, emailStatus: { state: 'missing' } }));
    await screen.findByTestId('person-name');
    expect(screen.getByTestId('send-whatsapp')).toBeTruthy();
    expect(screen.getByTestId('send-sms')).toBeTruthy();
    expect(screen.queryByTestId('send-email')).toBeNull();
    expect(screen.queryByTestId('consent-email')).toBeNull();
    expect(text('email-badge')).toContain('No email');
  });

  it('send requires consent: buttons wait for the box, which clears after sending', async () => {
    const { desk } = setup();
    const whatsapp = (await screen.findByTestId('send-whatsapp')) as HTMLButtonElement;
    const consent = screen.getByTestId('consent-phone') as HTMLInputElement;
    expect(screen.getByLabelText('The person agrees to receive a code at this number')).toBe(consent);

    expect(whatsapp.disabled).toBe(true);
    expect((screen.getByTestId('send-sms') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(whatsapp);
    expect(desk.callsTo('verification_start')).toEqual([]);

    await fireEvent.click(consent);
    expect(whatsapp.disabled).toBe(false);
    expect((screen.getByTestId('send-email') as HTMLButtonElement).disabled).toBe(true); // email has its own box

    await fireEvent.click(whatsapp);
    const input = await screen.findByTestId('code-input');
    expect(desk.callsTo('verification_start')).toEqual([
      { userId: '+919876512345', channel: 'whatsapp', consent: true },
    ]);
    expect(consent.checked).toBe(false);
    expect(whatsapp.disabled).toBe(true);
    expect(document.activeElement).toBe(input);
  });

  it('the send shortcut without consent asks for it and goes to the box', async () => {
    const desk = mockDesk({ person_get: () => makePerson() });
    const { component } = render(PersonPanel, { userId: '+919876512345', settings: SETTINGS, clock: () => NOW });
    await screen.findByTestId('person-name');
    (document.activeElement as HTMLElement | null)?.blur();

    await component.send('whatsapp'); // what Alt+W does
    expect(desk.callsTo('verification_start')).toEqual([]);
    expect(text('phone-send-error')).toContain('Ask the person if they agree to receive a code by WhatsApp');
    expect(document.activeElement).toBe(screen.getByTestId('consent-phone'));
  });

  it('after sending: what went where, the code field, tries, time left and the resend cooldown', async () => {
    setup();
    const input = await sendByWhatsApp();
    expect(text('code-sent-line')).toMatch(/^◷ Code sent by WhatsApp to \+91 98••• ••345 at \d\d:\d\d$/);
    expect(screen.getByLabelText('Security code')).toBe(input);
    expect(input.getAttribute('type')).toBe('text');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(text('attempts-left')).toBe('3 tries left');
    expect(text('expires-in')).toBe('Expires in 9:55');
    expect((screen.getByTestId('resend-button') as HTMLButtonElement).disabled).toBe(true);
    expect(text('resend-button')).toBe('Send a new code — available in 0:25');
    expect(text('phone-badge')).toContain('Code sent');
    expect(screen.getByTestId('other-sms').textContent).toContain('Send by SMS');
    expect(screen.getByTestId('other-email').textContent).toContain('Send by email');
  });

  it('wrong code shows tries left, clears the field and keeps the keyboard there', async () => {
    const { desk } = setup({
      verification_check: () => {
        throw { code: 'wrong_code', message: 'Wrong code. 2 tries left.' };
      },
    });
    const input = await sendByWhatsApp();

    await fireEvent.input(input, { target: { value: '111111' } }); // full length: checks itself
    expect((await screen.findByTestId('code-message')).textContent).toContain('Wrong code. 2 tries left.');
    expect(desk.callsTo('verification_check')).toEqual([
      { userId: '+919876512345', codeType: 'phone', code: '111111' },
    ]);
    expect(input.value).toBe('');
    expect(text('attempts-left')).toBe('2 tries left');
    await waitFor(() => expect(document.activeElement).toBe(input));
  });

  it('accepts a pasted code with spaces and dashes, and Enter checks a short one', async () => {
    const { desk } = setup({
      verification_check: () => {
        throw { code: 'code_format', message: 'The code is 6 digits. Check it and type it again.' };
      },
    });
    const input = await sendByWhatsApp();
    await fireEvent.input(input, { target: { value: '482 - 913' } });
    await waitFor(() => expect(desk.callsTo('verification_check')).toHaveLength(1));
    expect(desk.callsTo('verification_check')[0]).toMatchObject({ code: '482913' });

    await fireEvent.input(input, { target: { value: '48' } });
    expect(desk.callsTo('verification_check')).toHaveLength(1); // not yet complete
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(desk.callsTo('verification_check')).toHaveLength(2));
    expect((await screen.findByTestId('code-message')).textContent).toContain('The code is 6 digits.');
  });

  it('a dead code says to send a new one', async () => {
    setup({
      verification_check: () => {
        throw { code: 'code_locked', message: "This code can't be used any more. Send a new one." };
      },
    });
    const input = await sendByWhatsApp();
    await fireEvent.input(input, { target: { value: '111111' } });
    expect((await screen.findByTestId('code-message')).textContent).toContain(
      "This code can't be used any more. Send a new one.",
    );
    expect(input.disabled).toBe(true);
    expect(screen.queryByTestId('attempts-left')).toBeNull();
  });

  it('success turns the badge green at once and hands back to search', async () => {
    const result = makeCheckResult();
    const check = deferred<CheckResult>();
    const { onverified, onperson } = setup({ verification_check: () => check.promise });
    const input = await sendByWhatsApp();
    await fireEvent.input(input, { target: { value: '482913' } });
    check.resolve(result);

    await waitFor(() => expect(screen.getByTestId('phone-badge').dataset.state).toBe('verified'));
    expect(text('phone-badge')).toContain('✓');
    expect(text('phone-badge')).toContain('Verified');
    expect(text('phone-status-line')).toMatch(/^Verified on 24 Nov 2026, \d\d:\d\d by reception\.$/);
    expect(text('phone-success')).toContain('Mobile number verified.');
    expect(screen.queryByTestId('code-input')).toBeNull();
    expect(onverified).toHaveBeenCalledWith(result);
    expect(onperson).toHaveBeenLastCalledWith(result.person);
  });

  it('shows the live delivery state, following a fallback to SMS', async () => {
    setup();
    await sendByWhatsApp();
    expect(text('delivery-state')).toContain('Waiting to hear');

    await emitDelivery(makeUpdate({ status: 'queued' }));
    await waitFor(() => expect(text('delivery-state')).toContain('Waiting to send.'));
    await emitDelivery(makeUpdate({ outboxId: 7, status: 'delivered' })); // someone else's message
    expect(text('delivery-state')).toContain('Waiting to send.');

    await emitDelivery(
      makeUpdate({
        status: 'failed',
        message: "This number isn't on WhatsApp. Sending by SMS instead.",
        fallbackOutboxId: 42,
        fallbackChannel: 'sms',
      }),
    );
    await waitFor(() => expect(text('delivery-state')).toContain("This number isn't on WhatsApp. Sending by SMS instead."));
    expect(text('code-sent-line')).toContain('Code sent by SMS');

    await emitDelivery(makeUpdate({ outboxId: 42, channel: 'sms', status: 'delivered' }));
    await waitFor(() => expect(text('delivery-state')).toContain('Delivered to the phone.'));
    expect(text('delivery-fallback')).toContain("isn't on WhatsApp");

    await emitDelivery(makeUpdate({ outboxId: 42, channel: 'sms', status: 'queued', offline: true }));
    await waitFor(() =>
      expect(text('delivery-state')).toContain('No internet. The message will go when the connection is back.'),
    );
  });

  it('"Send a new code" re-sends to the same number without ticking again; email needs its own box', async () => {
    let now = NOW;
    const desk = mockDesk({
      person_get: () => makePerson(),
      verification_start: (args) =>
        makeStarted({ channel: args.channel as 'sms', sentAt: new Date(now).toISOString(), outboxId: 50 }),
    });
    render(PersonPanel, { userId: '+919876512345', settings: SETTINGS, clock: () => now });
    await sendByWhatsApp();
    now = Date.parse(SENT_AT) + 60_000;
    const resend = screen.getByTestId('resend-button') as HTMLButtonElement;
    await waitFor(() => expect(resend.disabled).toBe(false), { timeout: 2500 });
    await fireEvent.click(screen.getByTestId('other-sms'));
    await waitFor(() => expect(desk.callsTo('verification_start')).toHaveLength(2));
    expect(desk.callsTo('verification_start')[1]).toEqual({ userId: '+919876512345', channel: 'sms', consent: true });
    await waitFor(() => expect(text('code-sent-line')).toContain('Code sent by SMS'));

    await fireEvent.click(screen.getByTestId('other-email'));
    expect(desk.callsTo('verification_start')).toHaveLength(2);
    expect(text('email-send-error')).toContain('tick the box');
    expect(document.activeElement).toBe(screen.getByTestId('consent-email'));
  });

  it('shows a refused send in the Rust side’s words', async () => {
    setup({
      verification_start: () => {
        throw { code: 'rate_limited', message: 'A code was sent moments ago. A new one can be sent in 20 seconds.' };
      },
    });
    await fireEvent.click(await screen.findByTestId('consent-phone'));
    await fireEvent.click(screen.getByTestId('send-sms'));
    expect((await screen.findByTestId('phone-send-error')).textContent).toContain(
      'A code was sent moments ago. A new one can be sent in 20 seconds.',
    );
    expect(screen.queryByTestId('code-input')).toBeNull();
  });

  it('carries on with a code already on its way when the person is opened', async () => {
    const started = makeStarted({ channel: 'sms', outboxId: 9 });
    const person = makePerson({
      phoneStatus: {
        state: 'codeSent',
        channel: 'sms',
        targetMasked: started.targetMasked,
        sentAt: started.sentAt,
        expiresAt: started.expiresAt,
        attemptsLeft: 2,
        resendAvailableAt: started.resendAvailableAt,
      },
    });
    setup(
      {
        outbox_list: () => [
          {
            id: 9,
            userId: person.userId,
            displayName: person.displayName,
            codeType: 'phone',
            channel: 'sms',
            targetMasked: started.targetMasked,
            status: 'delivered',
            attempts: 1,
            lastError: null,
            createdAt: SENT_AT,
            updatedAt: SENT_AT,
          },
        ],
      },
      person,
    );
    const input = await screen.findByTestId('code-input');
    await waitFor(() => expect(document.activeElement).toBe(input));
    expect(text('attempts-left')).toBe('2 tries left');
    await waitFor(() => expect(text('delivery-state')).toContain('Delivered to the phone.'));
  });
});
