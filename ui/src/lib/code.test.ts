import { describe, expect, it } from 'vitest';
import { attemptsWords, isCompleteCode, normaliseCode } from './code';

describe('normaliseCode', () => {
  it('strips spaces, dashes and dots people type or paste', () => {
    expect(normaliseCode('482 913')).toBe('482913');
    expect(normaliseCode('482-913')).toBe('482913');
    expect(normaliseCode(' 48 29 13 \n')).toBe('482913');
    expect(normaliseCode('482–913')).toBe('482913'); // en dash from a pasted message
    expect(normaliseCode('482\u00a0913')).toBe('482913'); // no-break space
    expect(normaliseCode('482.913')).toBe('482913');
  });

  it('leaves anything else for the Rust side to judge', () => {
    expect(normaliseCode('48a913')).toBe('48a913');
    expect(normaliseCode('')).toBe('');
  });
});

describe('isCompleteCode (submits itself at full length)', () => {
  it('is true only for exactly codeLength digits', () => {
    expect(isCompleteCode('482913', 6)).toBe(true);
    expect(isCompleteCode('48291', 6)).toBe(false);
    expect(isCompleteCode('4829134', 6)).toBe(false);
    expect(isCompleteCode('4829', 4)).toBe(true);
    expect(isCompleteCode('48a913', 6)).toBe(false);
    expect(isCompleteCode('', 0)).toBe(false);
  });

  it('works on what normaliseCode gives for a pasted code', () => {
    expect(isCompleteCode(normaliseCode('482 - 913'), 6)).toBe(true);
  });
});

describe('attemptsWords', () => {
  it('counts tries in plain words', () => {
    expect(attemptsWords(3)).toBe('3 tries left');
    expect(attemptsWords(1)).toBe('1 try left');
    expect(attemptsWords(0)).toBe('No tries left');
  });
});
