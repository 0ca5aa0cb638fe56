/**
 * Acoustic echo, as a phone on speaker makes it: what the channel hears (the frames it reads) is
 * played out and picked up again, and goes back, attenuated by `gainDb` and `delayMs` later, in
 * what it sends (the frames written to it, towards its far end). On the `;1` half of a test call
 * (the phone, whose reads are what the engine's caller half `;2` writes), the agent's own voice
 * thus comes back to the engine through `;2`: what an engine must not take for a barge-in.
 *
 * How: a hook taps the reads into a delay line, placed at the time they arrive (a burst is played
 * out back to back, as a speaker would); once per 20 ms tick the line yields the frame heard
 * `delayMs` earlier, scaled. The channel's technology is wrapped so the phone's own frames of the
 * tick carry that echo mixed in; when the phone sends nothing, the echo goes alone, and nothing
 * goes when there is nothing to echo (a silent Local channel sends no frames). Hooks on the channel
 * (MixMonitor "said") still see the phone's own audio only.
 */
import { AriError } from './api.js';
import type { ChannelTech, SimChannel } from './channel.js';
import type { Core } from './core.js';
import { convertRate, frameSamples, mixFrames, type MediaFrame } from './media.js';

export interface EchoParams {
  /** Level of the echo relative to what was heard, in dB (e.g. -12). */
  gainDb: number;
  /** How long after it was heard the echo is sent, in ms (e.g. 120). */
  delayMs: number;
}

export const ECHO_LIMITS = { minGainDb: -100, maxGainDb: 20, maxDelayMs: 5000 } as const;

/** Checks echo parameters; throws AriError(400) with what is wrong. */
export function checkEcho(params: EchoParams): EchoParams {
  const { gainDb, delayMs } = params;
  if (!Number.isFinite(gainDb) || gainDb < ECHO_LIMITS.minGainDb || gainDb > ECHO_LIMITS.maxGainDb) {
    throw new AriError(400, `'gainDb' must be a number of dB from ${ECHO_LIMITS.minGainDb} to ${ECHO_LIMITS.maxGainDb}`);
  }
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > ECHO_LIMITS.maxDelayMs) {
    throw new AriError(400, `'delayMs' must be a number of milliseconds from 0 to ${ECHO_LIMITS.maxDelayMs}`);
  }
  return { gainDb, delayMs };
}

/**
 * The delay line: samples heard, by their place on a timeline in samples since the echo began.
 * Pure (the clock is passed in), so it is tested without timers.
 */
export class EchoLine {
  private rate: number | undefined;
  /** Samples from `base` on; index 0 is timeline sample `base`. */
  private samples = new Float32Array(0);
  private base = 0;
  /** Where the next heard sample goes (a burst is placed back to back). */
  private writeAt = 0;
  /** The next timeline sample the output reads. */
  private readAt: number | undefined;
  private readonly gain: number;

  constructor(
    readonly params: EchoParams,
    private readonly t0: number,
  ) {
    this.gain = 10 ** (params.gainDb / 20);
  }

  private index(now: number, rate: number): number {
    return Math.round(((now - this.t0) * rate) / 1000);
  }

  /** A frame heard at `now` (ms, same clock as t0). */
  hear(frame: MediaFrame, now: number): void {
    const rate = (this.rate ??= frame.rate);
    const pcm = convertRate(frame, rate).pcm;
    const count = pcm.length >> 1;
    // A frame a little late (timer jitter) follows the previous one, as a jitter buffer plays it;
    // after a longer pause the sound starts where it is heard.
    const arrived = this.index(now, rate);
    const at = arrived - this.writeAt <= frameSamples(rate) ? this.writeAt : arrived;
    this.ensure(at + count);
    for (let i = 0; i < count; i++) this.samples[at - this.base + i] = pcm.readInt16LE(i * 2);
    this.writeAt = at + count;
  }

  /**
   * The 20 ms of echo due at `now`: what was heard `delayMs` earlier (centred on the tick, so
   * the delay holds within ±10 ms), scaled; undefined when it is silent.
   */
  next(now: number): MediaFrame | undefined {
    const rate = this.rate;
    if (rate === undefined) return undefined;
    const size = frameSamples(rate);
    const due = this.index(now, rate) - Math.max(Math.round((this.params.delayMs * rate) / 1000), size >> 1) - (size >> 1);
    // Keep reading one frame per tick; re-anchor after a stall (more than a frame adrift).
    if (this.readAt === undefined || Math.abs(this.readAt - due) > size) this.readAt = due;
    const from = this.readAt;
    this.readAt += size;
    const out = Buffer.alloc(size * 2);
    let loud = false;
    for (let i = 0; i < size; i++) {
      const k = from + i - this.base;
      const v = k >= 0 && k < this.samples.length ? this.samples[k] * this.gain : 0;
      const s = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
      if (s !== 0) loud = true;
      out.writeInt16LE(s, i * 2);
    }
    this.forget(this.readAt);
    return loud ? { rate, pcm: out } : undefined;
  }

  private ensure(end: number): void {
    const need = end - this.base;
    if (need <= this.samples.length) return;
    const grown = new Float32Array(Math.max(need, this.samples.length * 2));
    grown.set(this.samples);
    this.samples = grown;
  }

  /** Drops what the output has passed. */
  private forget(before: number): void {
    const drop = Math.min(before - this.base, this.samples.length);
    if (drop <= 0) return;
    this.samples.copyWithin(0, drop);
    this.samples.fill(0, this.samples.length - drop);
    this.base += drop;
  }
}

/** Sends the phone's own frames of a tick with the echo mixed into the first, or the echo alone. */
class EchoTech implements ChannelTech {
  readonly own: MediaFrame[] = [];

  constructor(readonly inner: ChannelTech) {}

  write(frame: MediaFrame): void {
    this.own.push(frame);
  }

  sendDtmf(digit: string, durationMs: number): void {
    this.inner.sendDtmf(digit, durationMs);
  }

  destroy(): void {
    this.own.length = 0;
    this.inner.destroy();
  }

  tick(echo: MediaFrame | undefined): void {
    const own = this.own.splice(0);
    if (own.length === 0) {
      if (echo) this.inner.write(echo);
      return;
    }
    this.inner.write(echo ? mixFrames([own[0], echo], own[0].rate) : own[0]);
    for (const f of own.slice(1)) this.inner.write(f);
  }

  /** What is still queued goes out as it is (the echo is being removed). */
  flush(): void {
    for (const f of this.own.splice(0)) this.inner.write(f);
  }
}

const echoes = new WeakMap<SimChannel, { params: EchoParams; stop: () => void }>();

/** Turns the echo on for a channel, replacing any it had. */
export function startEcho(core: Core, channel: SimChannel, params: EchoParams): void {
  const checked = checkEcho(params);
  if (channel.destroyed || !channel.tech) throw new AriError(409, 'Channel has no media to echo');
  stopEcho(channel);
  const line = new EchoLine(checked, performance.now());
  const tech = new EchoTech(channel.tech);
  channel.tech = tech;
  const removeHook = channel.addHook({
    onRead: (frame) => {
      line.hear(frame, performance.now());
    },
  });
  const stopTicking = core.scheduler.everyTick(() => {
    if (!channel.destroyed) tech.tick(line.next(performance.now()));
  });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    removeHook();
    stopTicking();
    tech.flush();
    if (channel.tech === tech) channel.tech = tech.inner;
    echoes.delete(channel);
  };
  echoes.set(channel, { params: checked, stop });
  channel.onDestroy.push(stop);
  core.log.info({ channel: channel.name, ...checked }, 'echo on');
}

/** Turns a channel's echo off; false when it had none. */
export function stopEcho(channel: SimChannel): boolean {
  const echo = echoes.get(channel);
  if (!echo) return false;
  echo.stop();
  return true;
}

/** The channel's echo settings, or undefined. */
export function echoOf(channel: SimChannel): EchoParams | undefined {
  return echoes.get(channel)?.params;
}
