import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makePerson, SENT_AT } from '../test/fixtures';
import { mockDesk } from '../test/fakeDesk';
import PersonForm from './PersonForm.svelte';

afterEach(() => {
  clearMocks();
});

const VERIFIED_PHONE = makePerson({
  phoneStatus: { state: 'verified', verifiedAt: SENT_AT, verifiedBy: 'reception', channel: 'sms', validUntil: null },
});

describe('PersonForm', () => {
  it('adds a walk-in with every field labelled', async () => {
    const added = makePerson({ userId: 'W7', displayName: 'Anil Shetty' });
    const desk = mockDesk({ person_add: () => added });
    const onsaved = vi.fn();
    render(PersonForm, { onsaved, oncancel: vi.fn() });

    const name = screen.getByLabelText('Name');
    expect(document.activeElement).toBe(name);
    await fireEvent.input(name, { target: { value: 'Anil Shetty' } });
    await fireEvent.input(screen.getByLabelText('Mobile number'), { target: { value: '98450 12345' } });
    await fireEvent.change(screen.getByLabelText('Preferred language'), { target: { value: 'kn' } });
    expect(screen.getByRole('option', { name: 'ಕನ್ನಡ' })).toBeTruthy();
    await fireEvent.click(screen.getByTestId('save-person'));

    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(added, []));
    expect(desk.callsTo('person_add')).toEqual([
      { input: { displayName: 'Anil Shetty', phone: '98450 12345', preferredLanguage: 'kn' } },
    ]);
  });

  it('warns before changing a verified number', async () => {
    mockDesk();
    render(PersonForm, { person: VERIFIED_PHONE, onsaved: vi.fn(), oncancel: vi.fn() });
    const phone = screen.getByLabelText('Mobile number') as HTMLInputElement;
    // The edit form is the one place the full contact is shown.
    expect(phone.value).toBe('+919876512345');
    expect(screen.queryByTestId('phone-change-warning')).toBeNull();

    await fireEvent.input(phone, { target: { value: '+91 98765 00000' } });
    expect(screen.getByTestId('phone-change-warning').textContent).toContain(
      'This number is verified. Changing it means verifying it again.',
    );
    // Spacing alone is not a change.
    await fireEvent.input(phone, { target: { value: '+91 98765 12345' } });
    expect(screen.queryByTestId('phone-change-warning')).toBeNull();
  });

  it('puts the Rust side’s message next to the field it is about', async () => {
    mockDesk({
      person_update: () => {
        throw {
          code: 'invalid_contact',
          message: "That isn't a valid email address. Check it has one @ and a domain, like name@example.com.",
        };
      },
    });
    const onsaved = vi.fn();
    render(PersonForm, { person: makePerson(), onsaved, oncancel: vi.fn() });
    await fireEvent.input(screen.getByLabelText('Email address'), { target: { value: 'priya@' } });
    await fireEvent.click(screen.getByTestId('save-person'));

    const error = await screen.findByTestId('error-email');
    expect(error.textContent).toBe(
      "That isn't a valid email address. Check it has one @ and a domain, like name@example.com.",
    );
    expect(document.activeElement).toBe(screen.getByLabelText(/Email address/));
    expect(onsaved).not.toHaveBeenCalled();
  });

  it('reports what an edit undid', async () => {
    const updated = makePerson({ phone: '+919876500000' });
    const desk = mockDesk({ person_update: () => ({ person: updated, outcome: { invalidated: ['phone'] } }) });
    const onsaved = vi.fn();
    render(PersonForm, { person: VERIFIED_PHONE, onsaved, oncancel: vi.fn() });
    await fireEvent.input(screen.getByLabelText('Mobile number'), { target: { value: '+919876500000' } });
    await fireEvent.click(screen.getByTestId('save-person'));
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(updated, ['phone']));
    expect(desk.callsTo('person_update')[0]).toEqual({
      userId: '+919876512345',
      input: {
        displayName: 'Priya Raman',
        phone: '+919876500000',
        email: 'priya.raman@gmail.com',
        preferredLanguage: 'ta',
        entityType: 'patient',
      },
    });
  });
});
