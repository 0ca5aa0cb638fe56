import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyGainDb, concat, dbfs, durationMs, fromSamples, mix, silence } from './pcm.js';
import { tone } from './tone.js';
import { parseWav } from './wav.js';
import { VoiceActivityDetector, detectSpeechSegments, type VadEvent, type VadFrame } from './vad.js';

const FIXTURES = new URL('../../fixtures/audio/', import.meta.url);
const fixture = (name: string) => parseWav(readFileSync(new URL(name, FIXTURES)));

/** A vowel-like sound: 140 Hz harmonics with a 1/k spectrum and a 4 Hz syllable wobble. */
function voiced(ms: number, rate: number, levelDbfs = -20): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (let k = 1; k * 140 < 3400; k++) v += Math.sin(2 * Math.PI * 140 * k * t + k) / k;
    x[i] = v * (0.75 + 0.25 * Math.sin(2 * Math.PI * 4 * t));
  }
  let ms2 = 0;
  for (const v of x) ms2 += v * v;
  const scale = (32768 * 10 ** (levelDbfs / 20)) / Math.sqrt(ms2 / n);
  return fromSamples(Int16Array.from(x, (v) => Math.round(v * scale)));
}

/** Deterministic white noise at an RMS level (a small LCG, so tests never flake). */
function whiteNoise(ms: number, rate: number, levelDbfs: number, seed = 1): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const amp = 32768 * 10 ** (levelDbfs / 20) * Math.sqrt(3);
  let s = seed;
  return fromSamples(
    Int16Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return Math.round((s / 2 ** 32 - 0.5) * 2 * amp);
    }),
  );
}

/** Silence and voiced stretches alternating, starting with silence: durations in ms. */
function alternate(rate: number, ...ms: number[]): Buffer {
  return concat(ms.map((d, i) => (i % 2 === 0 ? silence(rate, d) : voiced(d, rate))));
}

const segmentsOf = (pcm: Buffer, rate: number, opts = {}) =>
  detectSpeechSegments(pcm, rate, opts).map((s) => [Math.round(s.startMs), Math.round(s.endMs)]);

describe('VoiceActivityDetector on generated signals', () => {
  for (const rate of [8000, 16000]) {
    it(`finds two bursts in quiet noise at ${rate} Hz, with their boundaries`, () => {
      const speech = alternate(rate, 500, 1200, 800, 600, 700);
      const pcm = mix(speech, whiteNoise(3800, rate, -60));
      const segs = segmentsOf(pcm, rate);
      expect(segs).toHaveLength(2);
      const expected = [
        [500, 1700],
        [2500, 3100],
      ];
      segs.forEach(([start, end], i) => {
        expect(Math.abs(start - expected[i][0])).toBeLessThanOrEqual(30);
        expect(Math.abs(end - expected[i][1])).toBeLessThanOrEqual(30);
      });
    });
  }

  it('stays quiet in digital silence and in low-level noise', () => {
    expect(segmentsOf(silence(8000, 3000), 8000)).toEqual([]);
    expect(segmentsOf(whiteNoise(3000, 8000, -45), 8000)).toEqual([]);
    expect(segmentsOf(whiteNoise(3000, 16000, -50), 16000)).toEqual([]);
    expect(segmentsOf(whiteNoise(3000, 8000, -75), 8000)).toEqual([]);
  });

  it('ignores loud hum below the speech band', () => {
    expect(segmentsOf(tone(50, 3000, 8000, 0.3), 8000)).toEqual([]);
  });

  it('ignores a click shorter than the onset time', () => {
    const pcm = concat([silence(8000, 500), voiced(40, 8000, -10), silence(8000, 1000)]);
    expect(segmentsOf(pcm, 8000)).toEqual([]);
  });

  it('bridges a pause shorter than the hangover and splits at a longer one', () => {
    const short = alternate(8000, 300, 500, 150, 500, 600);
    expect(segmentsOf(short, 8000)).toHaveLength(1);
    const long = alternate(8000, 300, 500, 500, 500, 600);
    expect(segmentsOf(long, 8000)).toHaveLength(2);
    expect(segmentsOf(short, 8000, { minSilenceMs: 100 })).toHaveLength(2);
  });

  it('respects the dBFS floor', () => {
    const quiet = concat([silence(8000, 300), voiced(800, 8000, -62), silence(8000, 500)]);
    expect(segmentsOf(quiet, 8000)).toEqual([]);
    expect(segmentsOf(quiet, 8000, { floorDbfs: -70 })).toHaveLength(1);
  });

  it('respects the SNR margin', () => {
    // In the 300–3400 Hz band this speech is about 14 dB over the noise (most of its energy is in
    // the 140 Hz fundamental): found with the default 10 dB margin, not with 25 dB.
    const speech = concat([silence(8000, 2000), voiced(1000, 8000, -28), silence(8000, 500)]);
    const pcm = mix(speech, whiteNoise(3500, 8000, -45));
    expect(segmentsOf(pcm, 8000)).toHaveLength(1);
    expect(segmentsOf(pcm, 8000, { snrDb: 25 })).toEqual([]);
  });

  it('adapts when the line noise rises for good (a caller walking into a noisy place)', () => {
    const frames: VadFrame[] = [];
    const pcm = concat([whiteNoise(2000, 8000, -65, 1), whiteNoise(12000, 8000, -30, 2)]);
    expect(segmentsOf(pcm, 8000, { onFrame: (f: VadFrame) => frames.push(f) })).toEqual([]);
    expect(frames.filter((f) => f.speechLike)).toEqual([]);
    // The floor has caught up with the louder noise within about 200 ms of steady frames.
    const after = frames.find((f) => f.atMs >= 2400);
    expect(after?.noiseFloorDbfs).toBeGreaterThan(-36);
  });

  it('reports when each decision was possible, after the onset and hangover', () => {
    const events: VadEvent[] = [];
    const vad = new VoiceActivityDetector({ rate: 8000, minSpeechMs: 100, minSilenceMs: 300 });
    const pcm = concat([silence(8000, 400), voiced(1000, 8000), silence(8000, 600)]);
    events.push(...vad.push(pcm));
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end']);
    const [start, end] = events;
    expect(start.detectedAtMs - start.atMs).toBeGreaterThanOrEqual(100 - 20);
    expect(start.detectedAtMs - start.atMs).toBeLessThanOrEqual(100 + 20);
    expect(end.detectedAtMs - end.atMs).toBeGreaterThanOrEqual(300 - 20);
    expect(end.type === 'speech-end' && Math.abs(end.speechMs - 1000)).toBeLessThanOrEqual(30);
    expect(start.sample).toBe(Math.round((start.atMs * 8000) / 1000));
  });

  it('gives the same events whatever the chunk sizes', () => {
    const pcm = mix(alternate(16000, 500, 700, 700), whiteNoise(1900, 16000, -55));
    const whole = new VoiceActivityDetector({ rate: 16000 });
    const reference = [...whole.push(pcm), ...whole.flush()];
    expect(reference.length).toBe(2);
    for (const step of [2, 333, 640, 1001]) {
      const vad = new VoiceActivityDetector({ rate: 16000 });
      const events: VadEvent[] = [];
      for (let at = 0; at < pcm.length; at += step) events.push(...vad.push(pcm.subarray(at, at + step)));
      events.push(...vad.flush());
      expect(events).toEqual(reference);
    }
  });

  for (const rate of [8000, 16000]) {
    it(`analyses digital silence around speech the same pushed frame by frame or in odd chunks (${rate} Hz)`, () => {
      // Whole all-zero frames take a shortcut (no filtering, no allocation); odd chunks go
      // through the general path. Both must see the same frames, to the last bit.
      const pcm = concat([silence(rate, 400), voiced(600, rate), silence(rate, 700), whiteNoise(300, rate, -45), silence(rate, 500)]);
      const run = (step: number) => {
        const frames: VadFrame[] = [];
        const vad = new VoiceActivityDetector({ rate, onFrame: (f) => frames.push(f) });
        const events: VadEvent[] = [];
        for (let at = 0; at < pcm.length; at += step) events.push(...vad.push(pcm.subarray(at, at + step)));
        events.push(...vad.flush());
        return { frames, events };
      };
      const byFrame = run((rate / 50) * 2);
      expect(byFrame.events.map((e) => e.type)).toEqual(['speech-start', 'speech-end']);
      // Before the speech, and once the filters have settled after the noise.
      const zero = byFrame.frames.filter((f) => f.atMs < 400 || f.atMs >= 2100);
      expect(zero.length).toBe(40);
      for (const f of zero) expect(f).toMatchObject({ bandDbfs: -120, digitalSilence: true, periodicity: 0, bandRatio: 0, zeroCrossingRate: 0, speechLike: false });
      for (const step of [2, 333, 1001]) expect(run(step)).toEqual(byFrame);
    });
  }

  it('closes open speech on flush and exposes its state', () => {
    const frames: VadFrame[] = [];
    const vad = new VoiceActivityDetector({ rate: 8000, onFrame: (f) => frames.push(f) });
    vad.push(concat([silence(8000, 200), voiced(500, 8000)]));
    expect(vad.speaking).toBe(true);
    expect(vad.positionMs).toBe(700);
    expect(frames).toHaveLength(35);
    expect(frames.some((f) => f.speechLike)).toBe(true);
    const events = vad.flush();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'speech-end' });
    expect(Math.abs(events[0].atMs - 700)).toBeLessThanOrEqual(20);
    expect(vad.speaking).toBe(false);
  });
});

describe('VoiceActivityDetector on the speech fixtures', () => {
  const names = [
    'caller-hello',
    'caller-question',
    'caller-interrupt',
    'agent-greeting',
    'agent-reply-1',
    'agent-reply-2',
    'agent-long-answer',
  ];
  for (const name of names) {
    for (const rate of ['8k', '16k']) {
      it(`${name}-${rate}: one utterance, 300 ms of silence each side (±100 ms)`, () => {
        const wav = fixture(`${name}-${rate}.wav`);
        const total = durationMs(wav.pcm, wav.rate);
        const segs = segmentsOf(wav.pcm, wav.rate);
        expect(segs).toHaveLength(1);
        expect(Math.abs(segs[0][0] - 300)).toBeLessThanOrEqual(100);
        expect(Math.abs(segs[0][1] - (total - 300))).toBeLessThanOrEqual(100);
      });
    }
  }

  it('finds caller speech in the pink noise fixture, once, at the right place', () => {
    const noise = fixture('noise-pink-8k.wav').pcm;
    const hello = fixture('caller-hello-8k.wav').pcm;
    const pcm = mix(concat([silence(8000, 1500), hello]), concat([noise, noise]));
    const segs = segmentsOf(pcm, 8000);
    expect(segs).toHaveLength(1);
    expect(Math.abs(segs[0][0] - 1800)).toBeLessThanOrEqual(100);
    expect(Math.abs(segs[0][1] - (1500 + durationMs(hello, 8000) - 300))).toBeLessThanOrEqual(100);
  });

  it('finds quiet speech (-35 dBFS) over the noise, and nothing in the noise alone', () => {
    const noise = fixture('noise-pink-8k.wav').pcm;
    expect(segmentsOf(noise, 8000)).toEqual([]);
    expect(segmentsOf(fixture('silence-3s-8k.wav').pcm, 8000)).toEqual([]);
    const question = fixture('caller-question-8k.wav').pcm;
    const quiet = applyGainDb(question, -15);
    expect(dbfs(quiet)).toBeLessThan(-35);
    const pcm = mix(concat([silence(8000, 1000), quiet]), noise);
    expect(segmentsOf(pcm, 8000)).toHaveLength(1);
  });
});

describe('VoiceActivityDetector when noise starts after silence', () => {
  const pink = () => fixture('noise-pink-8k.wav').pcm;
  /** The frames' verdicts too: the barge-in detector reads `speechLike` frame by frame. */
  function analyse(pcm: Buffer, rate: number, opts = {}) {
    const frames: VadFrame[] = [];
    const segs = segmentsOf(pcm, rate, { ...opts, onFrame: (f: VadFrame) => frames.push(f) });
    return { segs, frames, speechLikeFrames: frames.filter((f) => f.speechLike).length };
  }

  it('digital silence, then the pink noise fixture: no speech, not one speech-like frame', () => {
    const { segs, speechLikeFrames, frames } = analyse(concat([silence(8000, 2000), pink(), pink()]), 8000);
    expect(segs).toEqual([]);
    expect(speechLikeFrames).toBe(0);
    expect(frames.filter((f) => f.atMs < 2000).every((f) => f.digitalSilence)).toBe(true);
    expect(Math.max(...frames.map((f) => f.periodicity))).toBeLessThan(0.5);
  });

  for (const rate of [8000, 16000]) {
    it(`digital silence, then steady white noise at -35 dBFS from its first frame (${rate} Hz): no speech`, () => {
      const { segs, speechLikeFrames } = analyse(concat([silence(rate, 1500), whiteNoise(4000, rate, -35, 3)]), rate);
      expect(segs).toEqual([]);
      expect(speechLikeFrames).toBe(0);
    });
  }

  it('steady white noise at -35 dBFS from the first sample of the call: no speech', () => {
    expect(analyse(whiteNoise(4000, 8000, -35, 4), 8000).speechLikeFrames).toBe(0);
  });

  it('comfort noise that stops (digital silence) and resumes: no speech', () => {
    const noise = (seed: number) => whiteNoise(1000, 8000, -42, seed);
    const pcm = concat([noise(5), silence(8000, 1500), noise(6), silence(8000, 300), noise(7)]);
    const { segs, speechLikeFrames } = analyse(pcm, 8000);
    expect(segs).toEqual([]);
    expect(speechLikeFrames).toBe(0);
  });

  it('silence, then noise, then speech 600 ms later: found once, onset and end within 150 ms', () => {
    // 600 ms is too soon for the floor to creep up to the noise: it must see that the noise is steady.
    const hello = fixture('caller-hello-8k.wav').pcm;
    const inPink = concat([silence(8000, 1000), mix(concat([silence(8000, 300), hello]), concat([pink(), pink()]))]);
    const question = fixture('caller-question-8k.wav').pcm;
    const inWhite = concat([
      silence(8000, 1000),
      mix(concat([silence(8000, 300), question]), whiteNoise(300 + durationMs(question, 8000), 8000, -35, 8)),
    ]);
    // Noise from 1000 ms; the recording starts at 1300 ms, its speech 300 ms later.
    for (const [pcm, speech] of [
      [inPink, hello],
      [inWhite, question],
    ]) {
      const segs = segmentsOf(pcm, 8000);
      expect(segs).toHaveLength(1);
      expect(Math.abs(segs[0][0] - 1600)).toBeLessThanOrEqual(150);
      expect(Math.abs(segs[0][1] - (1300 + durationMs(speech, 8000) - 300))).toBeLessThanOrEqual(150);
    }
  });

  it('a caller who speaks at once after the silence at call start is heard promptly', () => {
    const hello = fixture('caller-hello-8k.wav').pcm.subarray(2 * 2400); // its 300 ms pad cut off
    for (const lead of [0, 100, 1000]) {
      const vad = new VoiceActivityDetector({ rate: 8000 });
      const events = vad.push(concat([silence(8000, lead), hello]));
      const start = events.find((e) => e.type === 'speech-start');
      expect(start, `after ${lead} ms of silence`).toBeDefined();
      expect(Math.abs(start!.atMs - lead)).toBeLessThanOrEqual(50);
      expect(start!.detectedAtMs - start!.atMs).toBeLessThanOrEqual(200);
    }
  });

  it('digital silence does not deafen it to a quiet caller (-40 dBFS) who follows it', () => {
    const quiet = applyGainDb(fixture('caller-question-8k.wav').pcm, -20);
    const segs = segmentsOf(concat([silence(8000, 1000), quiet]), 8000);
    expect(segs).toHaveLength(1);
    expect(Math.abs(segs[0][0] - 1300)).toBeLessThanOrEqual(100);
  });

  it('owes this to periodicity: with minVoicedMs 0, loudness alone takes the noise onset for speech', () => {
    const pcm = concat([silence(8000, 1500), whiteNoise(2000, 8000, -35, 3)]);
    expect(analyse(pcm, 8000, { minVoicedMs: 0 }).speechLikeFrames).toBeGreaterThan(0);
    expect(analyse(pcm, 8000).speechLikeFrames).toBe(0);
  });
});

describe('VoiceActivityDetector without a frame listener', () => {
  // Without onFrame, periodicity() stops at the first lag that is periodic enough (starting from
  // the last frame's best): the events and each frame's verdict must be the same as with it.
  it('gives the same events and per-frame verdicts as with onFrame, over speech in noise', () => {
    for (const name of ['caller-hello-16k.wav', 'caller-question-8k.wav', 'agent-long-answer-16k.wav']) {
      const { pcm, rate } = fixture(name);
      for (const noiseDbfs of [-70, -45, -35]) {
        const speech = concat([silence(rate, 300), pcm, silence(rate, 500)]);
        const audio = concat([mix(speech, whiteNoise(durationMs(speech, rate), rate, noiseDbfs)), silence(rate, 200)]);
        const reported: boolean[] = [];
        const withListener = new VoiceActivityDetector({ rate, onFrame: (f) => reported.push(f.speechLike) });
        const without = new VoiceActivityDetector({ rate });
        const frame = (rate / 50) * 2;
        const eventsWith: VadEvent[] = [];
        const eventsWithout: VadEvent[] = [];
        const verdicts: boolean[] = [];
        for (let at = 0; at + frame <= audio.length; at += frame) {
          eventsWith.push(...withListener.push(audio.subarray(at, at + frame)));
          eventsWithout.push(...without.push(audio.subarray(at, at + frame)));
          verdicts.push(without.frameSpeechLike);
        }
        expect(eventsWith.length).toBeGreaterThan(0);
        expect(eventsWithout).toEqual(eventsWith);
        expect(verdicts).toEqual(reported);
      }
    }
  });
});

describe('VoiceActivityDetector after speech, in digital silence', () => {
  // The band filter's memory decays after the last sample of speech. Left alone it would sink
  // into subnormal numbers (~20x slower arithmetic, for the rest of the call) and never reach
  // the exact zero that lets digital silence skip the filter. White-box: it reads the memory.
  const SMALLEST_NORMAL = 2.2250738585072014e-308;
  for (const [rate, frameMs] of [[8000, 20], [16000, 20], [48000, 20], [16000, 100]]) {
    it(`never holds a subnormal and comes to rest (${rate} Hz, ${frameMs} ms frames)`, () => {
      const vad = new VoiceActivityDetector({ rate, frameMs });
      const memory = (): number[] => {
        const f = (vad as unknown as { filter: Record<'hx1' | 'hx2' | 'hy1' | 'hy2' | 'ly1' | 'ly2', number> }).filter;
        return [f.hx1, f.hx2, f.hy1, f.hy2, f.ly1, f.ly2];
      };
      vad.push(voiced(500, rate, -10));
      const frame = Math.round((rate * frameMs) / 1000) * 2;
      const zeros = silence(rate, frameMs);
      expect(zeros.length).toBe(frame);
      let restedAfter = -1;
      for (let k = 0; k < 2000 / frameMs; k++) {
        vad.push(zeros);
        const m = memory();
        for (const v of m) expect(v === 0 || Math.abs(v) >= SMALLEST_NORMAL).toBe(true);
        if (restedAfter < 0 && m.every((v) => v === 0)) restedAfter = (k + 1) * frameMs;
      }
      expect(restedAfter).toBeGreaterThan(0);
      expect(restedAfter).toBeLessThanOrEqual(200);
    });
  }
});
