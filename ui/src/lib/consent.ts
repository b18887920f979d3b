// Consent at the desk: which language the notice is read in, and the words around withdrawing
// and renewing consent for one contact.
import type { CodeType, ConsentView } from './api';
import { LANGUAGES } from './person';
import { formatDateTime } from './time';

/**
 * The language the desk's own words are in (the page's `lang`), when the Rust side knows it;
 * else English.
 */
export function uiLanguage(doc: Pick<Document, 'documentElement'> | undefined = globalThis.document): string {
  const lang = (doc?.documentElement.lang ?? '').trim().toLowerCase().split('-')[0] ?? '';
  return LANGUAGES.some((l) => l.code === lang) ? lang : 'en';
}

/** True when the person withdrew consent for codes to this contact. */
export function isWithdrawn(consent: ConsentView | null | undefined): boolean {
  return consent?.state === 'withdrawn';
}

/** "this number" / "this address". */
function contactWords(kind: CodeType): string {
  return kind === 'phone' ? 'this number' : 'this address';
}

/** The confirm step before recording a withdrawal. */
export function withdrawQuestion(name: string, kind: CodeType): string {
  const who = name.trim() || 'the person';
  return `Record that ${who} withdraws consent for codes to ${contactWords(kind)}? Messages still waiting for it are cancelled.`;
}

/** "Consent withdrawn on 24 Nov 2026, 10:32." */
export function withdrawnLine(consent: ConsentView, timeZone?: string): string {
  const at = formatDateTime(consent.at, timeZone);
  return at ? `Consent withdrawn on ${at}.` : 'Consent withdrawn.';
}

/** Why the send buttons are off for a withdrawn contact. */
export function withdrawnHint(kind: CodeType): string {
  return `No codes can go to ${contactWords(kind)} while consent is withdrawn. If the person agrees again, press “Person consents again”.`;
}

/** A send asked for (e.g. by Alt+W) to a contact whose consent is withdrawn. */
export const WITHDRAWN_SEND_WORDS =
  'This person withdrew consent to receive codes at this contact. If they agree again, press “Person consents again”, then send.';

/** After recording a withdrawal or a renewal. */
export function consentDoneWords(state: 'withdrawn' | 'given', kind: CodeType): string {
  return state === 'withdrawn'
    ? `Withdrawal recorded. No codes will go to ${contactWords(kind)}.`
    : `Consent recorded. Codes can go to ${contactWords(kind)} again.`;
}
