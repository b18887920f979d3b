/**
 * The Indian-script fonts the UI ships. The @font-face rules are at the top of app.css (which
 * main.ts imports); the files come from the @fontsource packages and Vite copies them into
 * dist/assets. Each face has its script's unicode-range, so the window loads a file when text in
 * that script is shown, at the weight it is shown in (400, 600 or 700). (Where none of the system
 * families before them is installed, WebKit also loads Noto Sans Devanagari as the primary font.)
 *
 * `family` is the exact @font-face family name: the one `document.fonts` reports once the face
 * has loaded. `sample` is a greeting in the script, for checks that real glyphs render.
 * fonts.test.ts checks this list against app.css and against the fonts the packages ship.
 */
export interface IndicFont {
  /** The script, as Unicode names it; its lower-case form is the Fontsource subset name. */
  readonly script: string;
  /** The @font-face family name. */
  readonly family: string;
  /** A word in the script ("hello"). */
  readonly sample: string;
}

export const INDIC_FONTS: readonly IndicFont[] = Object.freeze([
  { script: 'Devanagari', family: 'Noto Sans Devanagari', sample: 'नमस्ते' },
  { script: 'Kannada', family: 'Noto Sans Kannada', sample: 'ನಮಸ್ಕಾರ' },
  { script: 'Tamil', family: 'Noto Sans Tamil', sample: 'வணக்கம்' },
  { script: 'Telugu', family: 'Noto Sans Telugu', sample: 'నమస్కారం' },
  { script: 'Malayalam', family: 'Noto Sans Malayalam', sample: 'നമസ്കാരം' },
]);

/** The font weights the UI bundles for each script. */
export const INDIC_FONT_WEIGHTS: readonly number[] = Object.freeze([400, 600, 700]);
