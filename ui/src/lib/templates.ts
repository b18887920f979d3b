// The template editor's words: parts per channel, the variables a template may use, and what
// an SMS body costs ("GSM-7 · 133 characters · 1 segment").
import type { Channel, SmsInfo, TemplatePart } from './api';
import { LANGUAGES } from './bindings';

export const TEMPLATE_CHANNELS: readonly { value: Channel; label: string }[] = [
  { value: 'email', label: 'Email' },
  { value: 'whatsapp', label: 'WhatsApp' },
  { value: 'sms', label: 'SMS' },
];

/** The Rust's languages, as the editor's picker shows them: "Hindi (हिन्दी)", and plain "English". */
export const TEMPLATE_LANGUAGES: readonly { code: string; label: string }[] = LANGUAGES.map((l) => ({
  code: l.code,
  label: l.english === l.native ? l.english : `${l.english} (${l.native})`,
}));

/** The parts each channel's message has, in the order the editor shows them. */
export function partsOf(channel: Channel): TemplatePart[] {
  return channel === 'email' ? ['subject', 'text', 'html'] : ['body'];
}

export function partLabel(part: TemplatePart | string): string {
  switch (part) {
    case 'subject':
      return 'Subject line';
    case 'text':
      return 'Plain-text email';
    case 'html':
      return 'HTML email';
    case 'body':
      return 'Message';
    default:
      return part;
  }
}

export const TEMPLATE_VARIABLES: readonly { name: string; meaning: string }[] = [
  { name: '{{ code }}', meaning: 'the security code (required; never in an email subject)' },
  { name: '{{ clinic_name }}', meaning: "the clinic's name" },
  { name: '{{ person_name }}', meaning: "the person's name" },
  { name: '{{ expiry_minutes }}', meaning: 'minutes until the code expires' },
];

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-IN')} ${n === 1 ? one : many}`;
}

/** What the words below need of an SMS body's count. */
export type SmsCount = Pick<SmsInfo, 'encoding' | 'characters' | 'segments'>;

/** "GSM-7 · 133 characters · 1 segment". */
export function smsInfoWords(info: SmsCount): string {
  return `${info.encoding} · ${plural(info.characters, 'character')} · ${plural(info.segments, 'segment')}`;
}

/** What the admin should know about an SMS body's cost, in plain words (possibly nothing). */
export function smsWarnings(info: SmsCount): string[] {
  const out: string[] = [];
  if (info.segments === 0) {
    out.push('The message is empty.');
    return out;
  }
  if (info.encoding.toUpperCase().startsWith('UCS')) {
    out.push(
      'Some characters (such as Indian scripts, curly quotes or emoji) are outside GSM-7, so the SMS is sent as UCS-2: only 70 characters fit in one segment (67 each once split).',
    );
  }
  if (info.segments > 1) {
    out.push(
      `This SMS needs ${info.segments} segments. Each segment is charged, and segments can arrive out of order. Shorten it to fit in one.`,
    );
  }
  return out;
}

/** A tag for a part: whether the clinic changed it. */
export function customisedWords(isDefault: boolean): string {
  return isDefault ? 'Default' : 'Customised';
}
