import { describe, expect, it } from 'vitest';
import { makePerson, makeSession, makeSummary, NOTICE } from '../test/fixtures';
import { createDeskSelection } from './desk.svelte';
import { createSession } from './session.svelte';

describe('the desk selection', () => {
  it('keeps the open person and form until someone signs out or in: nothing of the last person stays', () => {
    const store = createSession();
    const selection = createDeskSelection(store);
    store.session = makeSession();
    selection.selected = makeSummary();
    selection.form = { person: makePerson() };
    selection.panelNotice = 'Changes saved.';

    store.leave('You have signed out.', 'info', '');
    expect(selection.selected).toBeNull();
    expect(selection.form).toBeNull();
    expect(selection.panelNotice).toBeNull();

    selection.selected = makeSummary();
    selection.form = { person: null };
    store.enter(makeSession());
    expect(selection.selected).toBeNull();
    expect(selection.form).toBeNull();
  });
});

describe('the consent notice', () => {
  it('is kept across sign-out and sign-in: it is the same words for everyone', () => {
    const store = createSession();
    const selection = createDeskSelection(store);
    store.session = makeSession();
    selection.consentNotice = NOTICE;
    store.leave('You have signed out.', 'info', '');
    store.enter(makeSession());
    expect(selection.consentNotice).toEqual(NOTICE);
  });
});
