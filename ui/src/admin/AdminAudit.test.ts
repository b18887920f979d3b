import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../lib/api';
import { mockDesk } from '../test/fakeDesk';
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
