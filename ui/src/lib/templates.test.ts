import { describe, expect, it } from 'vitest';
import { customisedWords, partLabel, partsOf, smsInfoWords, smsWarnings, TEMPLATE_LANGUAGES, TEMPLATE_VARIABLES } from './templates';

describe('smsInfoWords', () => {
  it('reads like "GSM-7 · 133 characters · 1 segment"', () => {
    expect(smsInfoWords({ encoding: 'GSM-7', characters: 133, segments: 1 })).toBe('GSM-7 · 133 characters · 1 segment');
    expect(smsInfoWords({ encoding: 'UCS-2', characters: 1, segments: 2 })).toBe('UCS-2 · 1 character · 2 segments');
    expect(smsInfoWords({ encoding: 'GSM-7', characters: 1200, segments: 8 })).toBe('GSM-7 · 1,200 characters · 8 segments');
  });
});

describe('smsWarnings', () => {
  it('says nothing for a one-segment GSM-7 text', () => {
    expect(smsWarnings({ encoding: 'GSM-7', characters: 133, segments: 1 })).toEqual([]);
  });

  it('explains UCS-2 and several segments', () => {
    const w = smsWarnings({ encoding: 'UCS-2', characters: 90, segments: 2 });
    expect(w).toHaveLength(2);
    expect(w[0]).toContain('UCS-2');
    expect(w[0]).toContain('70 characters');
    expect(w[1]).toContain('needs 2 segments');
  });

  it('an empty text', () => {
    expect(smsWarnings({ encoding: 'GSM-7', characters: 0, segments: 0 })).toEqual(['The message is empty.']);
  });
});

describe('parts and words', () => {
  it('email has subject, text and HTML; SMS and WhatsApp one body', () => {
    expect(partsOf('email')).toEqual(['subject', 'text', 'html']);
    expect(partsOf('sms')).toEqual(['body']);
    expect(partsOf('whatsapp')).toEqual(['body']);
    expect(partLabel('html')).toBe('HTML email');
  });

  it('lists the six languages and the four variables', () => {
    expect(TEMPLATE_LANGUAGES.map((l) => l.code)).toEqual(['en', 'hi', 'kn', 'ta', 'te', 'ml']);
    expect(TEMPLATE_VARIABLES.map((v) => v.name)).toEqual([
      '{{ code }}',
      '{{ clinic_name }}',
      '{{ person_name }}',
      '{{ expiry_minutes }}',
    ]);
    expect(customisedWords(true)).toBe('Default');
    expect(customisedWords(false)).toBe('Customised');
  });
});
