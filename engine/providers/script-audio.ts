/**
 * The recorded answers of a script, decoded once and converted to each call's sample rate on
 * first use (then kept: a demo or a test suite plays the same few files again and again).
 *
 * Every file is decoded when the provider is created, so a corrupt WAV is reported at start-up
 * (and by /ready) under the script key that names it, never halfway through a call.
 */
import { readFileSync } from 'node:fs';
import { decodeSoundFile, type SoundFile } from '../audio/soundfile.js';
import { resample } from '../audio/resample.js';
import { ScriptError, type Script } from './script.js';

export class ScriptAudio {
  private readonly decoded = new Map<string, SoundFile>();
  private readonly converted = new Map<string, Buffer>();

  /** Decodes every file the script names. Throws ScriptError naming the key of a bad file. */
  constructor(script: Script) {
    const entries = [
      ...(script.greeting ? [script.greeting] : []),
      ...script.replies.values(),
      ...(script.default ? [script.default] : []),
      ...script.transcripts.values(),
      ...script.onDtmf.values(),
    ];
    const problems: string[] = [];
    for (const entry of entries) {
      if (this.decoded.has(entry.audio)) continue;
      try {
        const sound = decodeSoundFile(readFileSync(entry.audio), entry.audio);
        if (sound.pcm.length === 0) throw new Error('contains no audio');
        this.decoded.set(entry.audio, sound);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        problems.push(`${entry.key}.audio: ${entry.audio}: ${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message}`);
      }
    }
    if (problems.length > 0) throw new ScriptError('SCRIPT_INVALID', `${script.source}: ${problems.join('; ')}`);
  }

  /** The file's audio as s16le mono at `rate`. */
  pcm(path: string, rate: number): Buffer {
    const key = `${rate}:${path}`;
    let pcm = this.converted.get(key);
    if (!pcm) {
      const sound = this.decoded.get(path);
      if (!sound) throw new Error(`script audio not loaded: ${path}`);
      pcm = sound.rate === rate ? sound.pcm : resample(sound.pcm, sound.rate, rate);
      this.converted.set(key, pcm);
    }
    return pcm;
  }
}
