import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult, PersonView } from '../lib/api';
import {
  makeCheckResult,
  makePerson,
  makeStarted,
  makeUpdate,
  NOTICE,
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

describe('PersonPanel: consent', () => {
  const WITHDRAWN_AT = '2026-11-24T05:10:00.000Z';
  const withdrawn = (p: PersonView): PersonView => ({
    ...p,
    phoneConsent: { state: 'withdrawn', noticeVersion: 1, at: WITHDRAWN_AT, by: 'latha.k' },
  });
  const given = (p: PersonView): PersonView => ({
    ...p,
    phoneConsent: { state: 'given', noticeVersion: 1, at: WITHDRAWN_AT, by: 'latha.k' },
  });

  function open(overrides: Record<string, Handler> = {}, person: PersonView = makePerson()) {
    const desk = mockDesk({
      person_get: () => person,
      verification_start: () => makeStarted(),
      consent_withdraw: () => withdrawn(person),
      consent_renew: () => given(person),
      ...overrides,
    });
    render(PersonPanel, { userId: person.userId, settings: SETTINGS, clock: () => NOW, consentNotice: NOTICE });
    return desk;
  }

  it('shows the notice to read out beside the consent box', async () => {
    open();
    const box = await screen.findByTestId('consent-phone');
    expect(text('phone-consent-notice')).toBe(`Read this out first: “${NOTICE.text}”`);
    expect(box.getAttribute('aria-describedby')).toBe('phone-consent-notice');
    expect(text('email-consent-notice')).toContain(NOTICE.text);
  });

  it('records a withdrawal only after the confirm step; then no code can be sent until the person consents again', async () => {
    const desk = open();
    await fireEvent.click(await screen.findByTestId('phone-consent-withdraw'));
    expect(text('phone-consent-withdraw-question')).toContain(
      'Record that Priya Raman withdraws consent for codes to this number? Messages still waiting for it are cancelled.',
    );
    await fireEvent.click(screen.getByTestId('phone-consent-withdraw-cancel'));
    expect(desk.callsTo('consent_withdraw')).toEqual([]);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('phone-consent-withdraw')));

    await fireEvent.click(screen.getByTestId('phone-consent-withdraw'));
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, record it' }));
    await waitFor(() => expect(text('phone-consent-withdrawn')).toMatch(/^!Consent withdrawn on 24 Nov 2026, \d\d:\d\d\.$/));
    expect(desk.callsTo('consent_withdraw')).toEqual([{ userId: '+919876512345', codeType: 'phone' }]);
    expect(screen.queryByTestId('consent-phone')).toBeNull();
    expect((screen.getByTestId('send-whatsapp') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('send-sms') as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('phone-consent-renew')));
    // The email address is another contact: untouched.
    expect(screen.getByTestId('consent-email')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Person consents again' }));
    await waitFor(() => expect(screen.queryByTestId('phone-consent-withdrawn')).toBeNull());
    expect(desk.callsTo('consent_renew')).toEqual([{ userId: '+919876512345', codeType: 'phone' }]);
    expect(text('phone-consent-message')).toBe('Consent recorded. Codes can go to this number again.');
    const box = screen.getByTestId('consent-phone') as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(box));
    await fireEvent.click(box);
    expect((screen.getByTestId('send-whatsapp') as HTMLButtonElement).disabled).toBe(false);
  });

  it('a withdrawn contact: says since when, and the send shortcut explains instead of sending', async () => {
    const desk = mockDesk({ person_get: () => withdrawn(makePerson()) });
    const { component } = render(PersonPanel, { userId: '+919876512345', settings: SETTINGS, clock: () => NOW });
    await screen.findByTestId('phone-consent-withdrawn');
    // The first step for this contact is the person consenting again.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('phone-consent-renew')));
    await component.send('whatsapp'); // what Alt+W does
    expect(desk.callsTo('verification_start')).toEqual([]);
    expect(text('phone-send-error')).toContain('This person withdrew consent to receive codes at this contact.');
  });

  it('shows Rust’s consent_withdrawn refusal as given, and picks up the withdrawal', async () => {
    const refusal =
      'This person withdrew consent to receive codes at this contact. Ask them again: if they agree, record their consent, then send.';
    let reads = 0;
    open({
      person_get: () => (++reads === 1 ? makePerson() : withdrawn(makePerson())),
      verification_start: () => {
        throw { code: 'consent_withdrawn', message: refusal };
      },
    });
    await fireEvent.click(await screen.findByTestId('consent-phone'));
    await fireEvent.click(screen.getByTestId('send-whatsapp'));
    await waitFor(() => expect(text('phone-send-error')).toBe(`✕${refusal}`));
    expect(await screen.findByTestId('phone-consent-renew')).toBeTruthy();
  });

  it('shows a refused withdrawal in Rust’s words', async () => {
    open({
      consent_withdraw: () => {
        throw { code: 'invalid_input', message: 'This person has no such contact on file.' };
      },
    });
    await fireEvent.click(await screen.findByTestId('phone-consent-withdraw'));
    await fireEvent.click(screen.getByTestId('phone-consent-withdraw-confirm'));
    await waitFor(() => expect(text('phone-consent-error')).toBe('✕This person has no such contact on file.'));
    expect(screen.queryByTestId('phone-consent-withdrawn')).toBeNull();
  });
});

describe('PersonPanel: due dates, practice, waiting messages', () => {
  it('a code already on its way is checked at the length the desk really sends (the security floor)', async () => {
    const started = makeStarted();
    const person = makePerson({
      phoneStatus: {
        state: 'codeSent',
        channel: 'whatsapp',
        targetMasked: started.targetMasked,
        sentAt: started.sentAt,
        expiresAt: started.expiresAt,
        attemptsLeft: 3,
        resendAvailableAt: started.resendAvailableAt,
      },
    });
    const desk = mockDesk({ person_get: () => person, verification_check: () => makeCheckResult(person) });
    render(PersonPanel, { userId: person.userId, settings: { ...SETTINGS, otp_length: 4 }, codeLength: 6, clock: () => NOW });
    const input = await screen.findByTestId('code-input');
    await fireEvent.input(input, { target: { value: '4829' } });
    expect(desk.callsTo('verification_check')).toEqual([]); // 4 digits is not yet the whole code
    await fireEvent.input(input, { target: { value: '482913' } });
    await waitFor(() => expect(desk.callsTo('verification_check')).toHaveLength(1));
  });

  it('shows when each contact is due, and overdue ones marked', async () => {
    setup(
      {},
      makePerson({
        phoneStatus: { state: 'notVerified', invalidatedAt: null, changedBy: null, due: { by: '2026-12-01T05:00:00.000Z', overdue: false } },
        emailStatus: { state: 'expired', verifiedAt: SENT_AT, expiredAt: SENT_AT, due: { by: '2026-11-20T05:00:00.000Z', overdue: true } },
      }),
    );
    await screen.findByTestId('person-name');
    expect(text('phone-due')).toBe('Due by 1 Dec 2026');
    expect(screen.getByTestId('phone-due').dataset.overdue).toBe('false');
    expect(text('email-due')).toBe('!Overdue — was due by 20 Nov 2026');
    expect(screen.getByTestId('email-due').dataset.overdue).toBe('true');
  });

  it('in demo mode a right code is practice only: never green, never "verified"', async () => {
    const base = makeCheckResult();
    const result: CheckResult = {
      verified: { ...base.verified, practice: true },
      person: { ...base.person, phoneStatus: { state: 'practice', practicedAt: SENT_AT, due: null } },
    };
    setup({ verification_check: () => result });
    const input = await sendByWhatsApp();
    await fireEvent.input(input, { target: { value: '482913' } });
    await waitFor(() => expect(screen.getByTestId('phone-badge').dataset.state).toBe('practice'));
    expect(text('phone-badge')).toContain('Practice only');
    expect(text('phone-badge')).not.toContain('✓');
    expect(screen.getByTestId('phone-success').dataset.practice).toBe('true');
    expect(text('phone-success')).toContain('Practice only — mobile number not verified.');
    expect(text('phone-success')).not.toContain('✓');
    expect(text('phone-status-line')).toContain('nothing was proven');
  });

  it('a message waiting for the keyring says so, in the update’s words', async () => {
    setup();
    await sendByWhatsApp();
    const words = 'The keyring is locked: unlock it and the waiting messages go.';
    await emitDelivery(makeUpdate({ status: 'queued', offline: true, message: words }));
    await waitFor(() => expect(text('delivery-state')).toBe(`! ${words}`));
  });

  it('a code made under another key is dead: send a new one', async () => {
    setup({
      verification_check: () => {
        throw { code: 'code_from_other_pepper', message: 'This code was made before the desk restarted. Send a new one.' };
      },
    });
    const input = await sendByWhatsApp();
    await fireEvent.input(input, { target: { value: '482913' } });
    expect((await screen.findByTestId('code-message')).textContent).toContain('Send a new one.');
    expect(input.disabled).toBe(true);
  });
});
