// What the reception desk has open: the person on the right and the add/edit form. It lives
// outside the desk screen so it survives an administrator's visit to Admin, and is cleared on
// every sign-in and sign-out: nothing of the last person stays on screen.
import type { Notice, PersonSummary, PersonView } from '../lib/api';
import type { SessionStore } from './session.svelte';

export class DeskSelection {
  /** The person on the right (from the search list, or just added/edited). */
  selected = $state<PersonSummary | null>(null);
  /** Bumped to open the person panel afresh (e.g. after an edit). */
  panelKey = $state(0);
  panelNotice = $state<string | null>(null);
  /** The inline add/edit form: `null` when closed; `person` null = a walk-in. */
  form = $state<{ person: PersonView | null } | null>(null);
  /**
   * The consent words read out before a send (`consent_notice`), read once per window. The same
   * for everyone, so kept across sign-outs.
   */
  consentNotice = $state<Notice | null>(null);

  constructor(session: SessionStore) {
    session.on({ signedin: () => this.clear(), signedout: () => this.clear() });
  }

  clear(): void {
    this.selected = null;
    this.form = null;
    this.panelNotice = null;
  }
}

export function createDeskSelection(session: SessionStore): DeskSelection {
  return new DeskSelection(session);
}
