/**
 * Media format names as Asterisk's format cache knows them (the ones a client may pass in
 * originate `formats` or externalMedia `format`), with their sample rates.
 */

const FORMAT_RATES: ReadonlyMap<string, number> = new Map([
  ['slin', 8000],
  ['slin12', 12000],
  ['slin16', 16000],
  ['slin24', 24000],
  ['slin32', 32000],
  ['slin44', 44100],
  ['slin48', 48000],
  ['slin96', 96000],
  ['slin192', 192000],
  ['ulaw', 8000],
  ['alaw', 8000],
  ['gsm', 8000],
  ['g722', 16000],
  ['g729', 8000],
  ['opus', 48000],
]);

/** The sample rate of a format name, or undefined for a name Asterisk would not find. */
export function formatRate(name: string): number | undefined {
  return FORMAT_RATES.get(name.trim());
}

/** True for the signed-linear formats AudioSocket can carry. */
export function isSlin(name: string): boolean {
  return /^slin(\d+)?$/.test(name.trim()) && FORMAT_RATES.has(name.trim());
}

/**
 * The rate a Local channel runs at. Without `formats`, ARI-originated Local channels take the
 * widest signed-linear format, slin192 (trace s14).
 */
export const LOCAL_DEFAULT_RATE = 192000;
