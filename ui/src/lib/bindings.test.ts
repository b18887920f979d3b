// The generated bindings against the one module that calls them: a command added on the Rust
// side (and so to bindings.ts) but never wrapped in api.ts fails here.
import { describe, expect, it } from 'vitest';
import apiSource from './api.ts?raw';
import { commands, LANGUAGES, SETTINGS } from './bindings';

describe('generated bindings', () => {
  it('every generated command is called by api.ts', () => {
    const unwrapped = Object.keys(commands).filter((name) => !apiSource.includes(`commands.${name}(`));
    expect(unwrapped).toEqual([]);
    expect(Object.keys(commands).length).toBeGreaterThanOrEqual(35);
  });

  it('carry the one list of languages and the one table of settings', () => {
    expect(LANGUAGES.map((l) => l.code)).toEqual(['en', 'hi', 'kn', 'ta', 'te', 'ml']);
    const otp = SETTINGS.find((s) => s.name === 'otp_length');
    expect(otp).toMatchObject({ label: 'Code length', min: 4, max: 8, default: 6 });
  });
});
