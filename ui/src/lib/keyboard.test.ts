import { describe, expect, it } from 'vitest';
import { isTypingTarget, moveInList, shortcutFor } from './keyboard';

function el(tag: string, type?: string): HTMLElement {
  const e = document.createElement(tag);
  if (type) (e as HTMLInputElement).type = type;
  return e;
}

describe('shortcutFor', () => {
  it('Ctrl+K and Cmd+K focus search, even while typing', () => {
    expect(shortcutFor({ key: 'k', ctrlKey: true, target: el('input') })).toEqual({ action: 'focus-search' });
    expect(shortcutFor({ key: 'K', ctrlKey: true })).toEqual({ action: 'focus-search' });
    expect(shortcutFor({ key: 'k', metaKey: true })).toEqual({ action: 'focus-search' });
    expect(shortcutFor({ key: 'k', ctrlKey: true, shiftKey: true })).toBeNull();
  });

  it('"/" focuses search, but types a slash in a text field', () => {
    expect(shortcutFor({ key: '/', target: el('button') })).toEqual({ action: 'focus-search' });
    expect(shortcutFor({ key: '/', target: el('input', 'checkbox') })).toEqual({ action: 'focus-search' });
    expect(shortcutFor({ key: '/', target: el('input') })).toBeNull();
    expect(shortcutFor({ key: '/', target: el('input', 'email') })).toBeNull();
    expect(shortcutFor({ key: '/', target: el('textarea') })).toBeNull();
  });

  it('Alt+W / Alt+S / Alt+E send by WhatsApp / SMS / email', () => {
    expect(shortcutFor({ key: 'w', altKey: true })).toEqual({ action: 'send', channel: 'whatsapp' });
    expect(shortcutFor({ key: 'S', altKey: true })).toEqual({ action: 'send', channel: 'sms' });
    expect(shortcutFor({ key: 'e', altKey: true, target: el('input') })).toEqual({ action: 'send', channel: 'email' });
  });

  it('reads the physical key when Alt changes the character (macOS)', () => {
    expect(shortcutFor({ key: '∑', code: 'KeyW', altKey: true })).toEqual({ action: 'send', channel: 'whatsapp' });
    expect(shortcutFor({ key: 'ß', code: 'KeyS', altKey: true })).toEqual({ action: 'send', channel: 'sms' });
  });

  it('Esc returns to search', () => {
    expect(shortcutFor({ key: 'Escape' })).toEqual({ action: 'escape' });
  });

  it('ignores everything else', () => {
    expect(shortcutFor({ key: 'w' })).toBeNull();
    expect(shortcutFor({ key: 'x', altKey: true })).toBeNull();
    expect(shortcutFor({ key: 'w', altKey: true, ctrlKey: true })).toBeNull();
    expect(shortcutFor({ key: 'Enter' })).toBeNull();
  });
});

describe('isTypingTarget', () => {
  it('knows text fields from buttons', () => {
    expect(isTypingTarget(el('input'))).toBe(true);
    expect(isTypingTarget(el('select'))).toBe(true);
    expect(isTypingTarget(el('input', 'radio'))).toBe(false);
    expect(isTypingTarget(el('div'))).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe('moveInList', () => {
  it('arrows move through results; up from the first goes back to the search box', () => {
    expect(moveInList('ArrowDown', -1, 3)).toBe(0);
    expect(moveInList('ArrowDown', 0, 3)).toBe(1);
    expect(moveInList('ArrowDown', 2, 3)).toBe(2);
    expect(moveInList('ArrowUp', 2, 3)).toBe(1);
    expect(moveInList('ArrowUp', 0, 3)).toBe(-1);
    expect(moveInList('Home', 2, 3)).toBe(0);
    expect(moveInList('End', 0, 3)).toBe(2);
  });

  it('leaves Home/End to the search box, and does nothing with no results', () => {
    expect(moveInList('Home', -1, 3)).toBeNull();
    expect(moveInList('ArrowDown', -1, 0)).toBeNull();
    expect(moveInList('Enter', 0, 3)).toBeNull();
  });
});
