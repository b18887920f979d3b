// The "Security code" field: people type or paste codes with spaces and dashes
// ("482 913", "482-913"); the desk strips them before checking.

/** Separators people put in codes: any space, dashes of every kind, dots, underscores. */
const SEPARATORS = /[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\-\u2010-\u2015\u2212._·]/g;

/** The code as the Rust side should see it: separators removed, nothing else changed. */
export function normaliseCode(raw: string): string {
  return raw.replace(SEPARATORS, '');
}

/** True when the typed code is all digits and exactly `codeLength` long: time to check it by itself. */
export function isCompleteCode(normalised: string, codeLength: number): boolean {
  return codeLength > 0 && normalised.length === codeLength && /^[0-9]+$/.test(normalised);
}

/** "3 tries left" / "1 try left" / "No tries left". */
export function attemptsWords(n: number): string {
  if (n <= 0) return 'No tries left';
  return n === 1 ? '1 try left' : `${n} tries left`;
}
