/**
 * MixMonitor (app_mixmonitor.c): records what a channel reads — r(file), "heard" in the traces'
 * naming for the ;2 caller half — and what it writes — t(file), "said" — and both mixed into the
 * main file. Like the audiohook it models, it writes a 20 ms slot to every file whenever either
 * direction carried audio in that slot, padding the other with silence, and skips slots in which
 * neither did (s12: heard.wav starts with the 1.9 s of silence written while the caller played its
 * tone; the silent Echo() stretch that follows is absent).
 */
import { extname } from 'node:path';
import type { SimChannel } from './channel.js';
import type { Core } from './core.js';
import { mixFrames, silenceFrame, type MediaFrame } from './media.js';
import { RecordingFile } from './recording-file.js';

const RATE = 8000;
/** Ticks one direction may run alone before the other is taken as silent (Asterisk's
 * AST_AUDIOHOOK_SYNC_TOLERANCE, 100 ms). */
const JITTER_TICKS = 5;

export interface MixMonitorFiles {
  /** Local paths. */
  mix?: string;
  read?: string;
  write?: string;
}

function open(path: string | undefined): RecordingFile | undefined {
  if (!path) return undefined;
  const ext = extname(path).slice(1) || 'wav';
  return new RecordingFile(path, ext);
}

/** Starts recording; stops by itself when the channel is destroyed. Returns the stopper. */
export function startMixMonitor(core: Core, channel: SimChannel, files: MixMonitorFiles): () => void {
  const mix = open(files.mix);
  const read = open(files.read);
  const write = open(files.write);
  const readQ: MediaFrame[] = [];
  const writeQ: MediaFrame[] = [];
  core.log.info({ channel: channel.name }, `Begin MixMonitor Recording ${channel.name}`);

  const slot = (): void => {
    const r = readQ.shift() ?? silenceFrame(RATE);
    const t = writeQ.shift() ?? silenceFrame(RATE);
    read?.write(r);
    write?.write(t);
    mix?.write(mixFrames([r, t], RATE));
  };
  /**
   * Pairs a frame of each direction. When only one direction carried audio, the other is taken
   * as silent (and padded) only after JITTER_TICKS ticks, so two streams paced by different
   * clocks (a playback and an AudioSocket server's audio, s8) get no silence slot for a frame
   * that was merely late; the backlog then goes out at once, so no lag builds up. `all` drains
   * everything (at the end).
   */
  let starved = 0;
  const drain = (all = false): void => {
    while (readQ.length > 0 && writeQ.length > 0) slot();
    if (readQ.length === 0 && writeQ.length === 0) {
      starved = 0;
      return;
    }
    if (all || ++starved > JITTER_TICKS) {
      while (readQ.length > 0 || writeQ.length > 0) slot();
      starved = 0;
    }
  };
  const removeHook = channel.addHook({
    onRead: (frame) => void readQ.push(frame),
    onWrite: (frame) => void writeQ.push(frame),
  });
  const stopTicking = core.scheduler.everyTick(() => drain());
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    removeHook();
    stopTicking();
    drain(true);
    void Promise.all([mix?.close(), read?.close(), write?.close()]).then(() => {
      for (const f of [mix, read, write]) {
        if (f?.error) core.log.error({ channel: channel.name, file: f.path, err: f.error.message }, 'MixMonitor file write failed');
      }
      core.log.info({ channel: channel.name }, `End MixMonitor Recording ${channel.name}`);
    });
  };
  channel.onDestroy.push(stop);
  return stop;
}
