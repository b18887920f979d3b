import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel, Preview, TemplatePart, TemplateView } from '../lib/api';
import { mockDesk, type Handler } from '../test/fakeDesk';
import AdminTemplates from './AdminTemplates.svelte';

afterEach(() => {
  clearMocks();
});

const SMS_BODY = '{{ clinic_name }}: your code is {{ code }}. It expires in {{ expiry_minutes }} minutes.';

function view(channel: Channel, part: TemplatePart, body: string, isDefault = true): TemplateView {
  return { channel, language: 'en', part, body, isDefault, defaultBody: body };
}

function lists(channel: Channel): TemplateView[] {
  return channel === 'email'
    ? [
        view('email', 'subject', 'Your code for {{ clinic_name }}'),
        view('email', 'text', 'Hello {{ person_name }}, your code is {{ code }}.'),
        view('email', 'html', '<p>Hello {{ person_name }}, your code is <b>{{ code }}</b>.</p>'),
      ]
    : [view(channel, 'body', SMS_BODY)];
}

function preview(args: Record<string, unknown>): Preview {
  const draft = args.draft as { body: string } | undefined;
  if (args.channel === 'email') {
    return { subject: 'Your code for Skinspire Clinic', text: 'Hello Priya, your code is 482913.', html: '<p>Hello Priya</p>', sms: null };
  }
  const body = draft?.body ?? SMS_BODY;
  const unicode = /[^\x00-\x7f]/.test(body);
  const text = body.replace('{{ clinic_name }}', 'Skinspire Clinic').replace('{{ code }}', '482913').replace('{{ expiry_minutes }}', '10');
  return {
    subject: null,
    text,
    html: null,
    sms: unicode
      ? { encoding: 'UCS-2', characters: 90, segments: 2, perSegment: 67 }
      : { encoding: 'GSM-7', characters: 133, segments: 1, perSegment: 160 },
  };
}

function setup(overrides: Record<string, Handler> = {}) {
  const desk = mockDesk({
    templates_list: (a) => lists(a.channel as Channel),
    template_preview: (a) => preview(a),
    ...overrides,
  });
  render(AdminTemplates);
  return desk;
}

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').replace(/\s+/g, ' ').trim();

describe('AdminTemplates', () => {
  it('shows the email parts with labels, tags and the variables', async () => {
    setup();
    expect(((await screen.findByLabelText('Subject line')) as HTMLInputElement).value).toBe('Your code for {{ clinic_name }}');
    expect(screen.getByTestId('template-editor-text')).toBe(screen.getByLabelText('Plain-text email'));
    expect(screen.getByTestId('template-editor-html')).toBeTruthy();
    expect(text('template-tag-subject')).toBe('Default');
    expect(text('template-variables')).toContain('{{ code }}');
    expect(text('template-variables')).toContain('{{ expiry_minutes }}');
    // The HTML is shown as source text, never rendered.
    await waitFor(() => expect(text('template-preview-html')).toBe('<p>Hello Priya</p>'));
    expect(screen.getByTestId('template-preview').querySelector('iframe, p > p')).toBeNull();
  });

  it('shows SMS segments, and a live preview of the draft (debounced) with the UCS-2 warning', async () => {
    const desk = setup();
    await screen.findByTestId('template-editor-subject');
    await fireEvent.change(screen.getByTestId('template-channel'), { target: { value: 'sms' } });

    const editor = await screen.findByTestId('template-editor-body');
    expect(desk.callsTo('templates_list').at(-1)).toEqual({ channel: 'sms', language: 'en' });
    await waitFor(() => expect(text('template-sms-info')).toContain('GSM-7 · 133 characters · 1 segment'));

    const before = desk.callsTo('template_preview').length;
    await fireEvent.input(editor, { target: { value: 'नमस्ते: {{ code }}' } });
    await fireEvent.input(editor, { target: { value: 'नमस्ते: आपका कोड {{ code }}' } });
    await waitFor(() => expect(text('template-sms-info')).toContain('UCS-2 · 90 characters · 2 segments'));
    expect(desk.callsTo('template_preview').slice(before)).toEqual([
      { channel: 'sms', language: 'en', draft: { part: 'body', body: 'नमस्ते: आपका कोड {{ code }}' } },
    ]);
    expect(text('template-sms-info')).toContain('70 characters');
    expect(text('template-sms-info')).toContain('needs 2 segments');
  });

  it('saves a changed part and shows Rust’s refusal in its words', async () => {
    let refuse = true;
    const desk = setup({
      templates_list: () => lists('sms'),
      template_save: (a) => {
        if (refuse) throw { code: 'invalid_template', message: 'The message must contain {{ code }}, or the person gets no code.' };
        return [{ ...view('sms', 'body', a.body as string, false), defaultBody: SMS_BODY }];
      },
    });
    await fireEvent.change(await screen.findByTestId('template-channel'), { target: { value: 'sms' } });
    const editor = await screen.findByTestId('template-editor-body');
    await fireEvent.input(editor, { target: { value: 'Your code is ready.' } });
    await fireEvent.click(screen.getByTestId('template-save'));
    await waitFor(() => expect(text('template-message')).toBe('The message must contain {{ code }}, or the person gets no code.'));

    refuse = false;
    await fireEvent.input(editor, { target: { value: 'Code {{ code }}' } });
    await fireEvent.click(screen.getByTestId('template-save'));
    await waitFor(() => expect(text('template-message')).toContain('Template saved.'));
    expect(desk.callsTo('template_save').at(-1)).toEqual({ channel: 'sms', language: 'en', part: 'body', body: 'Code {{ code }}' });
    expect(text('template-tag-body')).toBe('Customised');
  });

  it('resets a customised part to the default', async () => {
    const desk = setup({
      templates_list: (a) => (a.channel === 'whatsapp' ? [{ ...view('whatsapp', 'body', 'Custom {{ code }}', false), defaultBody: SMS_BODY }] : lists('email')),
      template_reset: () => [view('whatsapp', 'body', SMS_BODY)],
    });
    await fireEvent.change(await screen.findByTestId('template-channel'), { target: { value: 'whatsapp' } });
    await waitFor(() => expect(text('template-tag-body')).toBe('Customised'));
    await fireEvent.click(screen.getByTestId('template-reset-body'));
    await waitFor(() => expect(text('template-tag-body')).toBe('Default'));
    expect((screen.getByTestId('template-editor-body') as HTMLTextAreaElement).value).toBe(SMS_BODY);
    expect(desk.callsTo('template_reset')).toEqual([{ channel: 'whatsapp', language: 'en', part: 'body' }]);
  });

  it('loads the chosen language', async () => {
    const desk = setup();
    await screen.findByTestId('template-editor-subject');
    await fireEvent.change(screen.getByTestId('template-language'), { target: { value: 'ta' } });
    await waitFor(() => expect(desk.callsTo('templates_list').at(-1)).toEqual({ channel: 'email', language: 'ta' }));
  });
});
