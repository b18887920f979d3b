import { describe, expect, it } from 'vitest';
import type { ConsentView } from './api';
import { consentDoneWords, isWithdrawn, uiLanguage, withdrawnHint, withdrawnLine, withdrawQuestion } from './consent';

const WITHDRAWN: ConsentView = { state: 'withdrawn', noticeVersion: 1, at: '2026-11-24T05:02:00.000Z', by: 'latha.k' };

function docWithLang(lang: string): Pick<Document, 'documentElement'> {
  return { documentElement: { lang } as HTMLElement };
}

describe('consent words', () => {
  it('reads the notice in the page’s language when Rust knows it, else English', () => {
    expect(uiLanguage(docWithLang('en'))).toBe('en');
    expect(uiLanguage(docWithLang('hi-IN'))).toBe('hi');
    expect(uiLanguage(docWithLang('fr'))).toBe('en');
    expect(uiLanguage(docWithLang(''))).toBe('en');
    expect(uiLanguage(undefined)).toBe('en');
  });

  it('knows a withdrawn record from a given one or none', () => {
    expect(isWithdrawn(WITHDRAWN)).toBe(true);
    expect(isWithdrawn({ ...WITHDRAWN, state: 'given' })).toBe(false);
    expect(isWithdrawn(null)).toBe(false);
  });

  it('asks before recording a withdrawal, naming the person and the contact', () => {
    expect(withdrawQuestion('Priya Raman', 'phone')).toBe(
      'Record that Priya Raman withdraws consent for codes to this number? Messages still waiting for it are cancelled.',
    );
    expect(withdrawQuestion('  ', 'email')).toBe(
      'Record that the person withdraws consent for codes to this address? Messages still waiting for it are cancelled.',
    );
  });

  it('says since when consent is withdrawn and what to do', () => {
    expect(withdrawnLine(WITHDRAWN, 'Asia/Kolkata')).toBe('Consent withdrawn on 24 Nov 2026, 10:32.');
    expect(withdrawnLine({ ...WITHDRAWN, at: 'garbled' })).toBe('Consent withdrawn.');
    expect(withdrawnHint('phone')).toContain('Person consents again');
    expect(consentDoneWords('withdrawn', 'email')).toBe('Withdrawal recorded. No codes will go to this address.');
    expect(consentDoneWords('given', 'phone')).toBe('Consent recorded. Codes can go to this number again.');
  });
});
