// Times: the Rust side speaks ISO-8601 UTC; the desk shows local time in plain
// words ("24 Nov 2026, 10:32") and countdowns as m:ss ("4:59", "0:24").

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

type Parts = { day: number; month: number; year: number; hour: number; minute: number };

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Splits a date into local parts. `timeZone` is for tests and for a desk whose
 * clock is set to another zone; by default the computer's own zone is used.
 */
function partsOf(date: Date, timeZone?: string): Parts {
  if (!timeZone) {
    return {
      day: date.getDate(),
      month: date.getMonth(),
      year: date.getFullYear(),
      hour: date.getHours(),
      minute: date.getMinutes(),
    };
  }
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  });
  const get = (type: string) => Number(fmt.formatToParts(date).find((p) => p.type === type)?.value ?? 0);
  return { day: get('day'), month: get('month') - 1, year: get('year'), hour: get('hour') % 24, minute: get('minute') };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "10:32" (24-hour local time); "" for a time that can't be read. */
export function formatTime(iso: string, timeZone?: string): string {
  const d = parse(iso);
  if (!d) return '';
  const p = partsOf(d, timeZone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** "24 Nov 2026, 10:32" in local time; "" for a time that can't be read. */
export function formatDateTime(iso: string, timeZone?: string): string {
  const d = parse(iso);
  if (!d) return '';
  const p = partsOf(d, timeZone);
  return `${p.day} ${MONTHS[p.month]} ${p.year}, ${pad(p.hour)}:${pad(p.minute)}`;
}

/** "24 Nov 2026" in local time; "" for a time that can't be read. */
export function formatDate(iso: string, timeZone?: string): string {
  const d = parse(iso);
  if (!d) return '';
  const p = partsOf(d, timeZone);
  return `${p.day} ${MONTHS[p.month]} ${p.year}`;
}

/** Whole seconds from `now` until `iso`, never below 0 (0 for a time that can't be read). */
export function secondsUntil(iso: string, now: number): number {
  const d = parse(iso);
  if (!d) return 0;
  return Math.max(0, Math.ceil((d.getTime() - now) / 1000));
}

/** A countdown as m:ss: 24 → "0:24", 299 → "4:59", 3725 → "62:05". Negative counts as 0. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  return `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

/** "Expires in 4:59", or "Expired" once the time has passed. */
export function expiryWords(expiresAt: string, now: number): string {
  const left = secondsUntil(expiresAt, now);
  return left > 0 ? `Expires in ${formatCountdown(left)}` : 'Expired';
}

/** "available in 0:24", or null when it is available now. */
export function cooldownWords(availableAt: string, now: number): string | null {
  const left = secondsUntil(availableAt, now);
  return left > 0 ? `available in ${formatCountdown(left)}` : null;
}
