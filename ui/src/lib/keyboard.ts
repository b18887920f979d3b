// Keyboard shortcuts of the desk (UI.md): Ctrl+K or / focuses search; Alt+W / Alt+S / Alt+E
// send by WhatsApp / SMS / email; Esc returns to search; arrows and Enter pick.
import type { Channel } from './api';

export type Shortcut =
  | { action: 'focus-search' }
  | { action: 'send'; channel: Channel }
  | { action: 'escape' };

/** The parts of a KeyboardEvent the decision needs (so tests can pass plain objects). */
export type KeyLike = {
  key: string;
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
  target?: EventTarget | null;
};

/** True when typing here should type, not trigger a one-key shortcut like "/". */
export function isTypingTarget(target: EventTarget | null | undefined): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select' || el.isContentEditable) return true;
  if (tag !== 'input') return false;
  const type = ((el as HTMLInputElement).type || 'text').toLowerCase();
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}

const SEND_KEYS: Record<string, Channel> = { w: 'whatsapp', s: 'sms', e: 'email' };

/** The shortcut a key press means, or null. Alt+letter reads `code` too (Alt changes `key` on macOS). */
export function shortcutFor(e: KeyLike): Shortcut | null {
  const key = e.key;
  if (key === 'Escape') return { action: 'escape' };
  if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && key.toLowerCase() === 'k') {
    return { action: 'focus-search' };
  }
  if (key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTypingTarget(e.target)) {
    return { action: 'focus-search' };
  }
  if (e.altKey && !e.ctrlKey && !e.metaKey) {
    const fromCode = e.code && /^Key[A-Z]$/.test(e.code) ? e.code.slice(3).toLowerCase() : '';
    const letter = fromCode || key.toLowerCase();
    const channel = SEND_KEYS[letter];
    if (channel) return { action: 'send', channel };
  }
  return null;
}

/**
 * Moving through the result list. `index` -1 means the search box. Returns the
 * new index (-1 = back to the search box), or null when the key does not move.
 */
export function moveInList(key: string, index: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowDown':
      return Math.min(index + 1, count - 1);
    case 'ArrowUp':
      return index <= 0 ? -1 : index - 1;
    case 'Home':
      return index < 0 ? null : 0;
    case 'End':
      return index < 0 ? null : count - 1;
    default:
      return null;
  }
}
