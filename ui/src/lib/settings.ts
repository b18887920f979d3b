// The admin's settings form: the clinic's names and ranges, what the form shows, what is
// wrong with a value, and the patch of changed keys that `settings_update` receives. Names,
// labels, ranges and defaults come from the Rust's one table (`SETTINGS` in the generated
// bindings); this file adds only the form's grouping, order and hints.
import type { CentralSetting, Channel, Settings, SettingsPatch } from './api';
import { channelLabel } from './badges';
import { SETTINGS } from './bindings';

export type SettingKind = 'int' | 'bool' | 'text' | 'language' | 'channels';

/** One row of the Rust's settings table. */
export type SettingSpec = (typeof SETTINGS)[number];
/** Every setting's snake_case name, as the Rust knows it. */
export type SettingName = SettingSpec['name'];

export type SettingField = {
  /** The clinic system's snake_case name (also the `setting-<name>` test id). */
  name: SettingName;
  label: string;
  kind: SettingKind;
  min?: number;
  max?: number;
  /** One line under the label, besides the range. */
  hint?: string;
};

export type SettingGroup = { title: string; fields: SettingField[] };

/** The Rust's row for `name`. */
export function settingSpec(name: SettingName): SettingSpec {
  const spec = SETTINGS.find((s) => s.name === name);
  if (!spec) throw new Error(`No setting ${name}`); // unreachable: `name` is typed from the table
  return spec;
}


function kindOf(spec: SettingSpec): SettingKind {
  const d: unknown = spec.default;
  if (typeof d === 'boolean') return 'bool';
  if (typeof d === 'number') return 'int';
  if (Array.isArray(d)) return 'channels';
  return 'text';
}

/** A form field for one setting: label, kind and range from the Rust's table. */
function field(name: SettingName, hint?: string, kind?: SettingKind): SettingField {
  const spec = settingSpec(name);
  const out: SettingField = { name, label: spec.label, kind: kind ?? kindOf(spec), hint };
  if (spec.min !== null) out.min = spec.min;
  if (spec.max !== null) out.max = spec.max;
  return out;
}

/** Every setting the admin can change here, in the order the form shows them. */
export const SETTING_GROUPS: readonly SettingGroup[] = [
  {
    title: 'Verification policy',
    fields: [
      field('otp_length', 'Digits in each security code.'),
      field('otp_expiry_minutes'),
      field('max_otp_attempts', 'Wrong tries before a code stops working.'),
      field('verification_grace_period_days', 'How long an unverified contact may still be used.'),
      field('verification_validity_months', '0 means a verification never expires.'),
      field('require_phone_verification'),
      field('require_email_verification'),
      field('verification_required_for_staff'),
      field('verification_required_for_patients'),
    ],
  },
  {
    title: 'Sending',
    fields: [
      field('channel_order', 'The first channel is offered first; WhatsApp falls back to SMS.'),
      field('resend_cooldown_seconds'),
      field('max_sends_per_target_per_10_min'),
      field('max_sends_per_staff_per_hour'),
      field('max_sends_per_desk_per_hour'),
      field('max_sends_per_day'),
      field('gmail_daily_limit', '500 for a personal Gmail account, 2,000 for Google Workspace.'),
      field('whatsapp_delivery_timeout_seconds', 'Then the code goes by SMS instead.'),
    ],
  },
  {
    title: 'This desk',
    fields: [
      field('clinic_name', 'Shown in the header and in messages. 1 to 80 characters.'),
      field('default_language', 'For people with no preferred language.', 'language'),
      field('idle_lock_minutes'),
      field('backups_kept', 'One backup is made a day; older ones beyond this number are deleted.'),
    ],
  },
];

export const SETTING_FIELDS: readonly SettingField[] = SETTING_GROUPS.flatMap((g) => g.fields);

/**
 * Settings that say where a saved secret is sent. `settings_update` refuses them: they change
 * only on the Credentials screen, with the password or token typed again.
 */
export const SECRET_BOUND_SETTINGS: readonly SettingName[] = [
  'gmail_address',
  'smtp_host',
  'smtp_port',
  'smtp_tls',
  'smtp_ca_file',
  'twilio_base_url',
];

/** Said under a setting the clinic system sets for every desk (read-only here). */
export const CENTRAL_NOTE = 'Set in the clinic system for every desk.';

/**
 * The clinic's settings the form shows, by name: only those the form has a field for (the
 * others are not the admin's to change here anyway).
 */
export function centralValues(central: readonly CentralSetting[] | null | undefined): Record<string, unknown> {
  const names = new Set<string>(SETTING_FIELDS.map((f) => f.name));
  return Object.fromEntries((central ?? []).filter((c) => names.has(c.name)).map((c) => [c.name, c.value]));
}

/** The security-floor notices about one setting (what the desk uses instead, and why). */
export function floorNoticesFor<N extends { setting: string }>(notices: readonly N[] | null | undefined, name: string): N[] {
  return (notices ?? []).filter((n) => n.setting === name);
}

export const ALL_CHANNELS: readonly Channel[] = ['whatsapp', 'sms', 'email'];

/** Every setting at the Rust's default (a fresh copy each time). */
export function defaultSettings(): Settings {
  return Object.fromEntries(
    SETTINGS.map((s) => [s.name, Array.isArray(s.default) ? [...s.default] : s.default]),
  ) as Settings;
}

/**
 * Settings as `settings_get` / `settings_update` answered, with every setting present and of
 * its default's type (else at its default), and the channel order holding only channels the
 * desk knows (else the default order). Keys the table doesn't know are kept as they are.
 */
export function readSettings(raw: Record<string, unknown>): Settings {
  const out: Record<string, unknown> = { ...raw };
  for (const spec of SETTINGS) {
    const d: unknown = spec.default;
    const v = raw[spec.name];
    if (Array.isArray(d)) {
      const known = Array.isArray(v) ? v.filter((c): c is Channel => ALL_CHANNELS.includes(c as Channel)) : [];
      out[spec.name] = known.length > 0 ? known : [...d];
    } else if (typeof v === typeof d && (typeof v !== 'number' || Number.isFinite(v))) {
      out[spec.name] = v;
    } else {
      out[spec.name] = d;
    }
  }
  return out as Settings;
}

/** What the form holds: numbers as typed (strings), ticks, the channel list. */
export type SettingsForm = Record<string, string | boolean | Channel[]>;

/** "4 to 8" (shown beside the label). */
export function rangeWords(field: SettingField): string {
  if (field.min === undefined || field.max === undefined) return '';
  return `${field.min.toLocaleString('en-IN')} to ${field.max.toLocaleString('en-IN')}`;
}

/** The channel list as the form shows it: the stored order, then any channel it leaves out. */
export function channelList(value: unknown): Channel[] {
  const stored = Array.isArray(value) ? value.filter((c): c is Channel => ALL_CHANNELS.includes(c as Channel)) : [];
  const unique = [...new Set(stored)];
  return [...unique, ...ALL_CHANNELS.filter((c) => !unique.includes(c))];
}

/** The form's starting values from `settings_get`. */
export function toForm(settings: Settings | Record<string, unknown>): SettingsForm {
  const form: SettingsForm = {};
  for (const f of SETTING_FIELDS) {
    const v = settings[f.name];
    switch (f.kind) {
      case 'int':
        form[f.name] = typeof v === 'number' ? String(v) : '';
        break;
      case 'bool':
        form[f.name] = v === true;
        break;
      case 'channels':
        form[f.name] = channelList(v);
        break;
      default:
        form[f.name] = typeof v === 'string' ? v : '';
    }
  }
  return form;
}

/** A number as typed, or null when it is not a whole number. */
export function parseWhole(text: string): number | null {
  const t = text.trim().replace(/[,\s_]/g, '');
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/** What is wrong with one field's value (Rust's words for ranges), or null. */
export function fieldProblem(field: SettingField, value: SettingsForm[string] | undefined): string | null {
  switch (field.kind) {
    case 'int': {
      const n = parseWhole(typeof value === 'string' ? value : '');
      if (n === null) return `${field.label} must be a whole number.`;
      if (field.min !== undefined && field.max !== undefined && (n < field.min || n > field.max)) {
        return `${field.label} must be between ${field.min} and ${field.max}.`;
      }
      return null;
    }
    case 'text': {
      const t = typeof value === 'string' ? value.trim() : '';
      return t.length === 0 || t.length > 80 ? `${field.label} must be 1 to 80 characters.` : null;
    }
    case 'channels': {
      const list = Array.isArray(value) ? value : [];
      return list.length === 0 || new Set(list).size !== list.length
        ? `${field.label} must list each channel at most once, and at least one.`
        : null;
    }
    default:
      return null;
  }
}

/** Every field's problem, by name; empty when the form can be saved. `skip`: fields not checked (set centrally). */
export function formProblems(form: SettingsForm, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of SETTING_FIELDS) {
    if (skip.includes(f.name)) continue;
    const p = fieldProblem(f, form[f.name]);
    if (p) out[f.name] = p;
  }
  return out;
}

function typed(field: SettingField, value: SettingsForm[string] | undefined): string | number | boolean | Channel[] | null {
  switch (field.kind) {
    case 'int':
      return parseWhole(typeof value === 'string' ? value : '');
    case 'bool':
      return value === true;
    case 'channels':
      return Array.isArray(value) ? [...value] : [];
    case 'text':
      return typeof value === 'string' ? value.trim() : '';
    default:
      return typeof value === 'string' ? value : '';
  }
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return a === b;
}

/**
 * The changed keys only, with their typed values: what `settings_update` receives. The channel
 * list is compared as the form shows it, so an unchanged list is never sent. Names in `skip`
 * (the settings the clinic system sets) are never sent.
 */
export function settingsPatch(
  original: Settings | Record<string, unknown>,
  form: SettingsForm,
  skip: readonly string[] = [],
): SettingsPatch {
  const start = toForm(original);
  const patch: SettingsPatch = {};
  for (const f of SETTING_FIELDS) {
    if (SECRET_BOUND_SETTINGS.includes(f.name)) continue; // refused by settings_update
    if (skip.includes(f.name)) continue; // set in the clinic system
    const before = typed(f, start[f.name]);
    const after = typed(f, form[f.name]);
    if (after === null || same(before, after)) continue;
    patch[f.name] = after;
  }
  return patch;
}

/** Moves the channel at `index` up (-1) or down (+1); the list unchanged at the ends. */
export function moveChannel(list: readonly Channel[], index: number, step: -1 | 1): Channel[] {
  const to = index + step;
  const out = [...list];
  if (index < 0 || index >= out.length || to < 0 || to >= out.length) return out;
  const [item] = out.splice(index, 1);
  if (item !== undefined) out.splice(to, 0, item);
  return out;
}

/** "SMS is now 1st of 3." (read out after a move). */
export function movedWords(channel: Channel, list: readonly Channel[]): string {
  const pos = list.indexOf(channel) + 1;
  const nth = pos === 1 ? '1st' : pos === 2 ? '2nd' : pos === 3 ? '3rd' : `${pos}th`;
  return `${channelName(channel)} is now ${nth} of ${list.length}.`;
}

/** "WhatsApp", "SMS", "Email". */
export function channelName(channel: Channel | string): string {
  const l = channelLabel(channel);
  return l ? l.charAt(0).toUpperCase() + l.slice(1) : channel;
}
