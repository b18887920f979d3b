// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { INDIC_FONT_WEIGHTS, INDIC_FONTS } from './fonts';

// Node's built-ins, typed here: the UI's tsconfig has no @types/node, which would retype
// setTimeout and friends for the whole app. A specifier in a variable keeps tsc from looking
// the module up; Vitest runs this file in Node, where both exist.
interface NodeFs {
  readFileSync(path: URL): Uint8Array;
  readFileSync(path: URL, encoding: 'utf8'): string;
  existsSync(path: URL): boolean;
}
interface NodeZlib {
  brotliDecompressSync(data: Uint8Array): Uint8Array;
}
const nodeModule = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);
const fs = (await nodeModule('node:fs')) as NodeFs;
const zlib = (await nodeModule('node:zlib')) as NodeZlib;

const here = new URL('./', import.meta.url);
const nodeModules = new URL('../node_modules/', here);

/** A file inside node_modules, from a specifier as app.css writes it in url(). */
function inNodeModules(specifier: string): URL {
  return new URL(specifier, nodeModules);
}

function packageOf(script: string): string {
  return `@fontsource/noto-sans-${script.toLowerCase()}`;
}

// --- A small CSS reader: enough for @font-face rules and one custom property. ---

type Descriptors = Map<string, string>;

function stripComments(css: string): string {
  return css.replace(/\/\*[\s\S]*?\*\//g, '');
}

function fontFaces(css: string): Descriptors[] {
  const faces: Descriptors[] = [];
  for (const m of stripComments(css).matchAll(/@font-face\s*\{([^}]*)\}/g)) {
    const descriptors: Descriptors = new Map();
    for (const part of (m[1] ?? '').split(';')) {
      const colon = part.indexOf(':');
      if (colon < 0) continue;
      descriptors.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
    }
    faces.push(descriptors);
  }
  return faces;
}

function unquote(name: string): string {
  return name.trim().replace(/^(['"])(.*)\1$/, '$2');
}

/** The declarations of the first rule whose selector is exactly `selector`. */
function ruleBody(css: string, selector: string): string {
  const clean = stripComments(css);
  const start = clean.search(new RegExp(`(^|\\})\\s*${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\{`));
  expect(start, `a rule for ${selector}`).toBeGreaterThanOrEqual(0);
  const open = clean.indexOf('{', start + 1);
  const close = clean.indexOf('}', open);
  return clean.slice(open + 1, close);
}

function declaration(body: string, property: string): string {
  const m = new RegExp(`(?:^|;)\\s*${property}\\s*:([^;]*)`).exec(body);
  expect(m, `a ${property} declaration`).not.toBeNull();
  return (m?.[1] ?? '').replace(/\s+/g, ' ').trim();
}

function families(list: string): string[] {
  return list.split(',').map(unquote);
}

type Range = readonly [number, number];

function parseUnicodeRange(value: string): Range[] {
  return value.split(',').map((part) => {
    const m = /^U\+([0-9A-F]+)(?:-([0-9A-F]+))?$/i.exec(part.trim());
    if (!m?.[1]) throw new Error(`not a unicode-range part: ${part}`);
    const from = parseInt(m[1], 16);
    return [from, m[2] ? parseInt(m[2], 16) : from] as const;
  });
}

function inRanges(ranges: readonly Range[], codePoint: number): boolean {
  return ranges.some(([from, to]) => codePoint >= from && codePoint <= to);
}

function codePoints(text: string): number[] {
  return Array.from(text, (ch) => ch.codePointAt(0) ?? 0);
}

// --- A small WOFF2 reader: the font's cmap, to see which characters have a glyph. ---

function readBase128(bytes: Uint8Array, at: { pos: number }): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const b = bytes[at.pos++] ?? 0;
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return value;
  }
  throw new Error('bad UIntBase128');
}

/** The uncompressed cmap table of a WOFF2 font (cmap is never transformed in WOFF2). */
function woff2Cmap(woff2: Uint8Array): DataView {
  const head = new DataView(woff2.buffer, woff2.byteOffset, woff2.byteLength);
  expect(String.fromCharCode(...woff2.subarray(0, 4))).toBe('wOF2');
  const numTables = head.getUint16(12);
  const compressedSize = head.getUint32(20);
  const at = { pos: 48 };
  let offset = 0;
  let cmap: { offset: number; length: number } | undefined;
  for (let i = 0; i < numTables; i++) {
    const flags = woff2[at.pos++] ?? 0;
    const tagIndex = flags & 0x3f;
    const transform = flags >> 6;
    if (tagIndex === 63) at.pos += 4; // an arbitrary tag, spelled out
    const origLength = readBase128(woff2, at);
    const glyfOrLoca = tagIndex === 10 || tagIndex === 11;
    const transformed = glyfOrLoca ? transform === 0 : transform !== 0;
    const length = transformed ? readBase128(woff2, at) : origLength;
    if (tagIndex === 0) cmap = { offset, length };
    offset += length;
  }
  expect(head.getUint32(4), 'a single font, not a collection').not.toBe(0x74746366);
  expect(cmap, 'a cmap table').toBeDefined();
  const data = zlib.brotliDecompressSync(woff2.subarray(at.pos, at.pos + compressedSize));
  return new DataView(data.buffer, data.byteOffset + (cmap?.offset ?? 0), cmap?.length ?? 0);
}

/** Does the font's Unicode cmap (format 4 or 12) map `codePoint` to a real glyph? */
function hasGlyph(cmap: DataView, codePoint: number): boolean {
  const numTables = cmap.getUint16(2);
  for (let i = 0; i < numTables; i++) {
    const platform = cmap.getUint16(4 + i * 8);
    const encoding = cmap.getUint16(6 + i * 8);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    const sub = cmap.getUint32(8 + i * 8);
    const format = cmap.getUint16(sub);
    if (format === 12) {
      const groups = cmap.getUint32(sub + 12);
      for (let g = 0; g < groups; g++) {
        const start = cmap.getUint32(sub + 16 + g * 12);
        const end = cmap.getUint32(sub + 20 + g * 12);
        if (codePoint >= start && codePoint <= end) {
          return cmap.getUint32(sub + 24 + g * 12) + (codePoint - start) !== 0;
        }
      }
    } else if (format === 4 && codePoint <= 0xffff) {
      const segCount = cmap.getUint16(sub + 6) / 2;
      const ends = sub + 14;
      const starts = ends + segCount * 2 + 2;
      const deltas = starts + segCount * 2;
      const rangeOffsets = deltas + segCount * 2;
      for (let s = 0; s < segCount; s++) {
        if (codePoint > cmap.getUint16(ends + s * 2)) continue;
        const start = cmap.getUint16(starts + s * 2);
        if (codePoint < start) break;
        const delta = cmap.getUint16(deltas + s * 2);
        const rangeOffsetAt = rangeOffsets + s * 2;
        const rangeOffset = cmap.getUint16(rangeOffsetAt);
        if (rangeOffset === 0) return ((codePoint + delta) & 0xffff) !== 0;
        const glyph = cmap.getUint16(rangeOffsetAt + rangeOffset + (codePoint - start) * 2);
        return glyph !== 0 && ((glyph + delta) & 0xffff) !== 0;
      }
    }
  }
  return false;
}

// --- The checks. ---

const appCss = fs.readFileSync(new URL('./app.css', here), 'utf8');
const appFaces = fontFaces(appCss);

describe('INDIC_FONTS', () => {
  it('lists the five scripts once each, with a sample', () => {
    expect(INDIC_FONTS.map((f) => f.script)).toEqual([
      'Devanagari',
      'Kannada',
      'Tamil',
      'Telugu',
      'Malayalam',
    ]);
    for (const font of INDIC_FONTS) expect(font.sample.length).toBeGreaterThan(1);
  });

  describe.each(INDIC_FONTS)('$script', (font) => {
    const pkg = packageOf(font.script);
    const subset = font.script.toLowerCase();

    it('is the family name the Fontsource package declares', () => {
      const metadata = JSON.parse(
        fs.readFileSync(inNodeModules(`${pkg}/metadata.json`), 'utf8'),
      ) as { family: string; subsets: string[] };
      expect(metadata.family).toBe(font.family);
      expect(metadata.subsets).toContain(subset);
    });

    it.each(INDIC_FONT_WEIGHTS)(
      'app.css declares weight %i with the package’s own file and unicode-range',
      (weight) => {
        // The face the package itself ships for this script and weight.
        const shipped = fontFaces(fs.readFileSync(inNodeModules(`${pkg}/${weight}.css`), 'utf8'));
        const file = `noto-sans-${subset}-${subset}-${weight}-normal.woff2`;
        const theirs = shipped.find((f) => f.get('src')?.includes(`./files/${file}`));
        expect(theirs, `${pkg}/${weight}.css has the ${subset} face`).toBeDefined();
        expect(unquote(theirs?.get('font-family') ?? '')).toBe(font.family);

        const ours = appFaces.filter(
          (f) => unquote(f.get('font-family') ?? '') === font.family && f.get('font-weight') === String(weight),
        );
        expect(ours).toHaveLength(1);
        const face = ours[0];
        expect(face?.get('font-style')).toBe('normal');
        expect(face?.get('src')).toBe(`url('${pkg}/files/${file}') format('woff2')`);
        expect(fs.existsSync(inNodeModules(`${pkg}/files/${file}`))).toBe(true);
        expect(face?.get('unicode-range')).toBe(theirs?.get('unicode-range'));

        const ranges = parseUnicodeRange(face?.get('unicode-range') ?? '');
        const [first] = codePoints(font.sample);
        expect(inRanges(ranges, first ?? -1), `U+${first?.toString(16)} in the range`).toBe(true);
        for (const cp of codePoints(font.sample)) {
          expect(inRanges(ranges, cp), `U+${cp.toString(16)} in the range`).toBe(true);
        }
      },
    );

    it.each(INDIC_FONT_WEIGHTS)('the weight-%i file has a glyph for every character of the sample', (weight) => {
      const file = inNodeModules(`${pkg}/files/noto-sans-${subset}-${subset}-${weight}-normal.woff2`);
      const cmap = woff2Cmap(fs.readFileSync(file));
      const missing = codePoints(font.sample).filter((cp) => !hasGlyph(cmap, cp));
      expect(missing.map((cp) => `U+${cp.toString(16).toUpperCase()}`)).toEqual([]);
      // And the reader does tell a missing glyph: these script subsets carry no CJK.
      expect(hasGlyph(cmap, 0x4e00)).toBe(false);
    });
  });
});

describe('app.css', () => {
  it('declares no @font-face beyond the Indian-script subsets (Latin stays on system fonts)', () => {
    expect(appFaces).toHaveLength(INDIC_FONTS.length * INDIC_FONT_WEIGHTS.length);
    for (const face of appFaces) {
      expect(INDIC_FONTS.map((f) => f.family)).toContain(unquote(face.get('font-family') ?? ''));
      expect(face.get('src')).not.toMatch(/data:|https?:|\.woff'/);
    }
  });

  it('--font-indic lists the five families, in order', () => {
    const root = ruleBody(appCss, ':root');
    expect(families(declaration(root, '--font-indic'))).toEqual(INDIC_FONTS.map((f) => f.family));
  });

  it('puts them after the system stack and before the generic family', () => {
    const root = ruleBody(appCss, ':root');
    const sans = families(declaration(root, 'font-family'));
    expect(sans[0]).toBe('system-ui');
    expect(sans.slice(-2)).toEqual(['var(--font-indic)', 'sans-serif']);

    const mono = families(declaration(ruleBody(appCss, 'textarea.form-input'), 'font-family'));
    expect(mono[0]).toBe('ui-monospace');
    expect(mono.slice(-2)).toEqual(['var(--font-indic)', 'monospace']);
  });
});
