import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../lib/api';
import { deferred, mockDesk, sendOnChannel } from '../test/fakeDesk';
import AdminAudit from './AdminAudit.svelte';

afterEach(() => {
  clearMocks();
});

const EVENT: AuditEvent = {
  eventId: '0193-1',
  deviceId: 'desk-1',
  seq: 7,
  occurredAt: '2026-11-24T05:03:00.000Z',
  userId: '+919876512345',
  codeType: 'phone',
  kind: 'verified',
  actor: 'latha.k',
  channel: 'whatsapp',
  targetMasked: '+91 98••• ••345',
  outcome: 'verified',
  errorCode: null,
  detail: null,
};

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();

describe('AdminAudit', () => {
  it('shows recent events on opening, contacts masked', async () => {
    const desk = mockDesk({ audit_search: () => [EVENT, { ...EVENT, eventId: '0193-2', kind: 'wrong_code', outcome: 'wrong_code', errorCode: 'wrong_code' }] });
    render(AdminAudit);
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(2));
    const first = screen.getAllByTestId('audit-row')[0]!.textContent ?? '';
    expect(first).toContain('Verified');
    expect(first).toContain('+91 98••• ••345');
    expect(first).toContain('WhatsApp');
    expect(first).toContain('latha.k');
    expect(desk.callsTo('audit_search')).toEqual([{ filter: {} }]);
    expect(text('audit-count')).toBe('2 events');
  });

  it('searches with only the filters filled in', async () => {
    const desk = mockDesk({ audit_search: () => [] });
    render(AdminAudit);
    await screen.findByTestId('audit-none');
    await fireEvent.input(screen.getByLabelText("Person's user ID"), { target: { value: ' +919876512345 ' } });
    await fireEvent.change(screen.getByTestId('audit-filter-channel'), { target: { value: 'sms' } });
    await fireEvent.change(screen.getByTestId('audit-filter-kind'), { target: { value: 'send_refused' } });
    await fireEvent.input(screen.getByTestId('audit-filter-from'), { target: { value: '2026-11-01' } });
    await fireEvent.click(screen.getByTestId('audit-filter-search'));
    await waitFor(() => expect(desk.callsTo('audit_search')).toHaveLength(2));
    expect(desk.callsTo('audit_search')[1]).toEqual({
      filter: { userId: '+919876512345', channel: 'sms', kind: 'send_refused', from: '2026-11-01' },
    });
  });

  it('refuses dates the wrong way round without calling Rust', async () => {
    const desk = mockDesk({ audit_search: () => [] });
    render(AdminAudit);
    await screen.findByTestId('audit-none');
    await fireEvent.input(screen.getByTestId('audit-filter-from'), { target: { value: '2026-11-24' } });
    await fireEvent.input(screen.getByTestId('audit-filter-to'), { target: { value: '2026-11-01' } });
    await fireEvent.click(screen.getByTestId('audit-filter-search'));
    expect(text('audit-message')).toContain('after');
    expect(desk.callsTo('audit_search')).toHaveLength(1);
  });

  it('exports CSV with the same filters and says where it went', async () => {
    const desk = mockDesk({ audit_search: () => [EVENT], audit_export: () => '/home/desk/Downloads/verification-audit-20261124-103200.csv' });
    render(AdminAudit);
    await screen.findAllByTestId('audit-row');
    await fireEvent.change(screen.getByTestId('audit-filter-outcome'), { target: { value: 'verified' } });
    await fireEvent.click(screen.getByTestId('audit-export'));
    await waitFor(() =>
      expect(text('audit-export-message')).toBe('Saved to /home/desk/Downloads/verification-audit-20261124-103200.csv'),
    );
    expect(desk.callsTo('audit_export')).toEqual([{ filter: { outcome: 'verified' } }]);
  });
});

describe('AdminAudit: details', () => {
  it('shows each row’s details in readable form', async () => {
    mockDesk({
      audit_search: () => [
        {
          ...EVENT,
          eventId: 'c1',
          kind: 'consent_withdrawn',
          outcome: 'done',
          detail: { notice_version: 1, purpose: 'verification of this contact', cancelled_messages: [41, 42] },
        },
        { ...EVENT, eventId: 's1', kind: 'settings_changed', outcome: 'done', detail: { otp_length: { old: 6, new: 4 } } },
        EVENT,
      ],
    });
    render(AdminAudit);
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(3));
    const [consent, settings, plain] = screen.getAllByTestId('audit-row');
    expect(consent!.textContent).toContain('Consent withdrawn');
    expect(consent!.textContent).toContain('Done');
    const lines = [...consent!.querySelectorAll('[data-testid="audit-detail"] li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(lines).toEqual(['notice version: 1', 'purpose: verification of this contact', 'cancelled messages: 41, 42']);
    expect(settings!.textContent).toContain('Code length: 6 → 4');
    expect(plain!.querySelector('[data-testid="audit-detail"]')).toBeNull();
  });

  it('offers every event kind and Rust’s outcomes in the filters', async () => {
    mockDesk({ audit_search: () => [] });
    render(AdminAudit);
    await screen.findByTestId('audit-none');
    const kinds = [...(screen.getByTestId('audit-filter-kind') as HTMLSelectElement).options].map((o) => o.value);
    for (const k of ['sign_in', 'settings_changed', 'consent_given', 'practised', 'admin_command']) expect(kinds).toContain(k);
    const outcomes = [...(screen.getByTestId('audit-filter-outcome') as HTMLSelectElement).options].map((o) => o.value);
    expect(outcomes).toContain('accepted');
    expect(outcomes).not.toContain('sent');
  });
});

describe('AdminAudit: checking the chain', () => {
  it('shows progress while Rust checks, then "Intact" in green with the counts', async () => {
    const answer = deferred<unknown>();
    let channel: unknown;
    const desk = mockDesk({
      audit_search: () => [],
      audit_chain_check: (args) => {
        channel = args.onProgress;
        return answer.promise;
      },
    });
    render(AdminAudit);
    await fireEvent.click(screen.getByRole('button', { name: 'Check the audit chain' }));
    expect(desk.callsTo('audit_chain_check')).toHaveLength(1);
    expect(text('audit-chain-progress-words')).toBe('Starting…');
    expect((screen.getByTestId('audit-chain-check') as HTMLButtonElement).disabled).toBe(true);

    sendOnChannel(channel, [{ done: 1200, total: 5230 }]);
    await waitFor(() => expect(text('audit-chain-progress-words')).toBe('Checked 1,200 of 5,230 events'));
    const bar = screen.getByTestId('audit-chain-progress').querySelector('progress')!;
    expect(bar.getAttribute('max')).toBe('5230');
    expect(bar.getAttribute('value')).toBe('1200');

    answer.resolve({ intact: true, checked: 5230, unverifiable: 0, anchored: 1200, firstBreak: null });
    await waitFor(() => expect(screen.getByTestId('audit-chain-result').dataset.intact).toBe('true'));
    expect(screen.getByTestId('audit-chain-result').className).toContain('ok');
    expect(text('audit-chain-headline')).toBe('Intact: 5,230 events checked (1,200 from before the chain began)');
    expect(screen.queryByTestId('audit-chain-progress')).toBeNull();
    expect(screen.queryByTestId('audit-chain-unverifiable')).toBeNull();
  });

  it('shows the first break in red with its message, place and the unverifiable count', async () => {
    mockDesk({
      audit_search: () => [],
      audit_chain_check: () => ({
        intact: false,
        checked: 900,
        unverifiable: 3,
        anchored: 0,
        firstBreak: {
          deviceId: 'desk-1',
          seq: 412,
          eventId: '0193-abc',
          occurredAt: '2026-11-24T05:02:00.000Z',
          kind: 'gap',
          message: 'An event is missing from this desk’s sequence: it was deleted.',
        },
      }),
    });
    render(AdminAudit);
    await fireEvent.click(screen.getByTestId('audit-chain-check'));
    await waitFor(() => expect(screen.getByTestId('audit-chain-result').dataset.intact).toBe('false'));
    expect(screen.getByTestId('audit-chain-result').className).toContain('problem');
    expect(text('audit-chain-headline')).toBe('Broken: An event is missing from this desk’s sequence: it was deleted.');
    expect(text('audit-chain-break')).toMatch(/^First break at event number 412 \(desk desk-1\), 24 Nov 2026, \d\d:\d\d, event id 0193-abc\.$/);
    expect(text('audit-chain-unverifiable')).toContain("3 events were written under another key; they can't be checked here");
  });

  it('shows a refused check in Rust’s words', async () => {
    mockDesk({
      audit_search: () => [],
      audit_chain_check: () => {
        throw { code: 'admin_only', message: 'Only an administrator can do that.' };
      },
    });
    render(AdminAudit);
    await fireEvent.click(screen.getByTestId('audit-chain-check'));
    expect((await screen.findByTestId('audit-chain-error')).textContent).toBe('Only an administrator can do that.');
  });
});
