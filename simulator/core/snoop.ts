/**
 * Snoop channels (res_stasis_snoop.c). A snoop spies on its target's audio — `in` is what the
 * target's far end says (read), `out` what Asterisk sends it (write) — and produces a frame
 * every 20 ms, silence included (s6), unlike a Local channel. Audio written into a snoop is
 * whispered into the target when `whisper` is set, and discarded otherwise (s6). Whispered audio
 * is mixed into frames the target is already carrying, so it is heard only while the target
 * itself writes (s12), and it arrives 6 dB down (s12: 5657 RMS sent, 1412 heard after the
 * AudioSocket write loss and the whisper).
 */
import { AriError, type SnoopParams } from './api.js';
import { SimChannel, type ChannelTech } from './channel.js';
import type { Core } from './core.js';
import { splitAppArgs } from './local.js';
import { convertRate, mixFrames, scaleFrame, silenceFrame, type MediaFrame } from './media.js';

type Direction = 'none' | 'both' | 'out' | 'in';

const SNOOP_RATE = 8000;
/** Frames held per direction between ticks; a burst beyond that is trimmed from the front. */
const MAX_BACKLOG = 50;
const WHISPER_GAIN = 0.5;

function direction(value: string | undefined, what: 'spy' | 'whisper'): Direction {
  if (value === undefined || value === '' || value === 'none') return 'none';
  if (value === 'both' || value === 'out' || value === 'in') return value;
  throw new AriError(400, `Invalid direction specified for ${what}`);
}

class SnoopTech implements ChannelTech {
  readonly whisperQueue: MediaFrame[] = [];

  constructor(private readonly whisper: Direction) {}

  write(frame: MediaFrame): void {
    if (this.whisper === 'none') return; // spy-only: written audio is discarded (s6)
    this.whisperQueue.push(frame);
    if (this.whisperQueue.length > MAX_BACKLOG) this.whisperQueue.shift();
  }

  sendDtmf(): void {}

  destroy(): void {
    this.whisperQueue.length = 0;
  }

  /** Mixes the next whispered frame into a frame the target carries. */
  whisperInto(frame: MediaFrame): MediaFrame | void {
    const w = this.whisperQueue.shift();
    if (!w) return;
    return mixFrames([frame, scaleFrame(w, WHISPER_GAIN)], frame.rate);
  }
}

export function createSnoop(core: Core, targetId: string, params: SnoopParams): SimChannel {
  const spy = direction(params.spy, 'spy');
  const whisper = direction(params.whisper, 'whisper');
  if (spy === 'none' && whisper === 'none') throw new AriError(400, 'Direction must be specified for at least spy or whisper');
  if (!params.app) throw new AriError(400, 'Application name is required');
  const target = core.channels.get(targetId);
  if (!target || target.destroyed) throw new AriError(404, 'Provided channel was not found');
  const id = params.snoopId ?? core.ids.uniqueId();
  if (core.channels.has(id)) throw new AriError(500, 'Snoop channel could not be created');

  const snoop = new SimChannel({
    id,
    name: `Snoop/${target.id}-${core.ids.nextSnoop()}`,
    kind: 'snoop',
    state: 'Up',
    dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
    outgoing: false,
    nativeRate: target.nativeRate,
    lossyAudioSocketWrites: target.lossyAudioSocketWrites,
  });
  const tech = new SnoopTech(whisper);
  snoop.tech = tech;
  snoop.snoopTarget = target;
  target.snoops.add(snoop);
  core.channels.set(id, snoop);

  const heardIn: MediaFrame[] = [];
  const heardOut: MediaFrame[] = [];
  const keep = (q: MediaFrame[], f: MediaFrame): void => {
    q.push(f);
    if (q.length > MAX_BACKLOG) q.shift();
  };
  const spyIn = spy === 'in' || spy === 'both';
  const spyOut = spy === 'out' || spy === 'both';
  const whisperIn = whisper === 'in' || whisper === 'both';
  const whisperOut = whisper === 'out' || whisper === 'both';
  const removeHook = target.addHook({
    onRead(frame) {
      const f = whisperIn ? (tech.whisperInto(frame) ?? frame) : frame;
      if (spyIn) keep(heardIn, f);
      return f;
    },
    onWrite(frame) {
      const f = whisperOut ? (tech.whisperInto(frame) ?? frame) : frame;
      if (spyOut) keep(heardOut, f);
      return f;
    },
  });
  // One frame per tick, silence when the target carried nothing; a backlog (burst) drains at once.
  const stopTicking = core.scheduler.everyTick(() => {
    if (snoop.destroyed) return;
    do {
      const parts: MediaFrame[] = [];
      const a = heardIn.shift();
      const b = heardOut.shift();
      if (a) parts.push(a);
      if (b) parts.push(b);
      const frame = parts.length === 0 ? silenceFrame(SNOOP_RATE) : parts.length === 1 ? convertRate(parts[0], SNOOP_RATE) : mixFrames(parts, SNOOP_RATE);
      snoop.deliverRead(frame);
    } while (heardIn.length > 1 || heardOut.length > 1);
  });
  snoop.onDestroy.push(removeHook, stopTicking);

  core.emit(core.events.channelCreated(snoop.snapshot()));
  const args = splitAppArgs(params.appArgs);
  const appData = params.appArgs ? `${params.app},${params.appArgs}` : params.app;
  core.scheduler.after(0, () => {
    if (snoop.destroyed) return;
    core.dialplanStep(snoop, { app_name: 'Stasis', app_data: appData });
    snoop.directStasis = true;
    if (!core.enterStasis(snoop, params.app, args, false)) core.hangupSilently(snoop, 0);
  });
  return snoop;
}
