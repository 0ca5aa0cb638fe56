/**
 * ARI recordings (res_stasis_recording.c, resource_recordings.c): a live recording of what a
 * channel reads, run on the channel's command queue (so playbacks queued after it wait: see the
 * traces README), then a stored recording under <spool>/recording.
 *
 * The file holds the frames as they arrive, bursts included (s11); RecordingFinished carries the
 * duration in whole seconds of audio (s2: 3.26 s → 3, s11: 8.82 s → 8). maxDurationSeconds is
 * counted in whole wall-clock seconds, as Asterisk does, so a recording runs up to 1 s longer.
 */
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { LiveRecording, RecordingState, StoredRecording } from '../../engine/ari/models.js';
import { tone } from '../../engine/audio/tone.js';
import { parseWav } from '../../engine/audio/wav.js';
import { AriError, type RecordParams } from './api.js';
import type { SimChannel } from './channel.js';
import type { Command } from './command-queue.js';
import type { Core } from './core.js';
import { frameRms, framesOf, type MediaFrame } from './media.js';
import { fileFormat, RecordingFile } from './recording-file.js';
import { streamFrames } from './stream.js';

const FRAME_MS = 20;
/** ast_dsp's default silence threshold, compared with a frame's RMS here. */
const SILENCE_THRESHOLD = 256;

export function recordingDir(core: Core): string {
  return join(core.spoolDir, 'recording');
}

function validName(name: string): boolean {
  return name !== '' && !name.split(/[\\/]/).some((part) => part === '..') && !name.startsWith('/');
}

/** Files of the stored recordings: name (path without extension) → file path. */
function storedFiles(core: Core): Map<string, string> {
  const dir = recordingDir(core);
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const entry of entries.sort()) {
      const full = join(d, entry);
      let isDir = false;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        continue;
      }
      if (isDir) walk(full);
      else {
        const ext = extname(entry).slice(1);
        if (!fileFormat(ext)) continue;
        const name = relative(dir, full).slice(0, -(ext.length + 1)).split(sep).join('/');
        if (!out.has(name)) out.set(name, full);
      }
    }
  };
  walk(dir);
  return out;
}

export function listStored(core: Core): StoredRecording[] {
  return [...storedFiles(core)].map(([name, path]) => ({ name, format: extname(path).slice(1) }));
}

export function findStored(core: Core, name: string): { name: string; format: string; path: string; contentType: string } {
  const path = storedFiles(core).get(name);
  if (!path) throw new AriError(404, 'Recording not found');
  const format = extname(path).slice(1);
  return { name, format, path, contentType: fileFormat(format)!.contentType };
}

export function deleteStored(core: Core, name: string): void {
  const { path } = findStored(core, name);
  try {
    unlinkSync(path);
  } catch {
    throw new AriError(500, 'Delete failed');
  }
}

export class LiveRecordingRun implements Command {
  private state: RecordingState = 'queued';
  private file: RecordingFile | undefined;
  private stopRequested: (() => void) | undefined;
  private readonly stopped: Promise<void>;

  constructor(
    private readonly core: Core,
    private readonly channel: SimChannel,
    readonly params: RecordParams,
    private readonly path: string,
    private readonly prefix: Buffer | undefined,
  ) {
    this.stopped = new Promise((resolve) => (this.stopRequested = resolve));
  }

  get name(): string {
    return this.params.name;
  }

  json(): LiveRecording {
    const base: LiveRecording = {
      name: this.params.name,
      format: this.params.format,
      state: this.state,
      target_uri: `channel:${this.channel.id}`,
    };
    if (this.state === 'done' || this.state === 'failed' || this.state === 'canceled') {
      base.duration = Math.floor((this.file?.durationMs ?? 0) / 1000);
    }
    return base;
  }

  stop(): void {
    if (this.state === 'queued') {
      this.core.control(this.channel).remove(this);
      this.state = 'canceled';
      this.core.liveRecordings.delete(this.name);
      return;
    }
    this.stopRequested?.();
  }

  drop(): void {
    this.core.liveRecordings.delete(this.name);
  }

  private publish(type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed'): void {
    this.core.emit(this.core.events.recording(type, this.json()), this.channel.route());
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      if (this.params.beep) {
        const beep = framesOf(tone(1000, 250, 8000, 0.25), 8000);
        await streamFrames(this.core, beep, (f) => this.channel.write(f), signal);
        if (signal.aborted) return;
      }
      try {
        this.file = new RecordingFile(this.path, this.params.format, this.prefix);
      } catch (err) {
        this.state = 'failed';
        this.core.log.error({ err: (err as Error).message, recording: this.name }, 'recording could not be opened');
        this.publish('RecordingFailed');
        return;
      }
      this.state = 'recording';
      this.publish('RecordingStarted');
      await this.capture(this.file, signal);
      await this.file.close();
      this.state = 'done';
      this.publish('RecordingFinished');
    } finally {
      this.core.liveRecordings.delete(this.name);
    }
  }

  private capture(file: RecordingFile, signal: AbortSignal): Promise<void> {
    const { maxDurationSeconds, maxSilenceSeconds, terminateOn } = this.params;
    return new Promise((resolve) => {
      let silentMs = 0;
      let done = false;
      const cancels: (() => void)[] = [];
      const finish = (): void => {
        if (done) return;
        done = true;
        for (const c of cancels) c();
        signal.removeEventListener('abort', finish);
        resolve();
      };
      // ast_play_and_record compares whole seconds of the wall clock (time(NULL)) after each
      // frame it writes: it stops at the first frame once more than maxDurationSeconds whole
      // seconds have passed, up to a second late (s2: started 45.776, 3 s, finished 49.014;
      // s11: 56.215, 5 s, 02.018; s14: 20.532, 2 s, 23.013).
      const startSecond = Math.floor(Date.now() / 1000);
      const overdue = (): boolean => !!maxDurationSeconds && maxDurationSeconds > 0 && Math.floor(Date.now() / 1000) - startSecond > maxDurationSeconds;
      cancels.push(
        this.channel.addHook({
          onRead: (frame: MediaFrame) => {
            if (done) return;
            file.write(frame);
            if (overdue()) return finish();
            if (maxSilenceSeconds && maxSilenceSeconds > 0) {
              silentMs = frameRms(frame) < SILENCE_THRESHOLD ? silentMs + (frame.pcm.length * 500) / frame.rate : 0;
              if (silentMs >= maxSilenceSeconds * 1000) finish();
            }
          },
          onDtmf: (digit) => {
            if (!terminateOn || terminateOn === 'none') return;
            if (terminateOn === 'any' || terminateOn === digit) finish();
          },
        }),
      );
      if (maxDurationSeconds && maxDurationSeconds > 0) {
        // A channel that reads nothing still stops at that second (one frame time after it).
        const boundary = (startSecond + maxDurationSeconds + 1) * 1000;
        cancels.push(this.core.scheduler.after(boundary - Date.now() + FRAME_MS, finish));
      }
      signal.addEventListener('abort', finish);
      void this.stopped.then(finish);
      if (signal.aborted) finish();
    });
  }
}

/** Checks and queues POST /channels/{id}/record (validation order of resource_channels.c). */
export function startRecording(core: Core, channel: SimChannel, params: RecordParams): LiveRecordingRun {
  if (params.maxDurationSeconds !== undefined && params.maxDurationSeconds < 0) {
    throw new AriError(400, 'max_duration_seconds cannot be negative');
  }
  if (params.maxSilenceSeconds !== undefined && params.maxSilenceSeconds < 0) {
    throw new AriError(400, 'max_silence_seconds cannot be negative');
  }
  const terminate = params.terminateOn ?? 'none';
  if (!/^(none|any|[0-9A-D*#])$/.test(terminate)) throw new AriError(400, 'terminateOn invalid');
  const ifExists = params.ifExists ?? 'fail';
  if (!['fail', 'overwrite', 'append'].includes(ifExists)) throw new AriError(400, 'ifExists invalid');
  if (!fileFormat(params.format)) throw new AriError(422, 'specified format is unknown on this system');
  if (!validName(params.name)) throw new AriError(400, 'Recording name invalid');
  const exists = (): never => {
    throw new AriError(409, `Recording '${params.name}' already exists and can not be overwritten`);
  };
  if (core.liveRecordings.has(params.name)) exists();
  const path = join(recordingDir(core), `${params.name}.${params.format}`);
  let prefix: Buffer | undefined;
  if (existsSync(path)) {
    if (ifExists === 'fail') exists();
    if (ifExists === 'append') prefix = existingPcm(path, params.format);
  }
  const run = new LiveRecordingRun(core, channel, { ...params, terminateOn: terminate, ifExists }, path, prefix);
  core.liveRecordings.set(params.name, run);
  core.control(channel).enqueue(run);
  return run;
}

function existingPcm(path: string, format: string): Buffer | undefined {
  try {
    const bytes = readFileSync(path);
    if (fileFormat(format)?.kind === 'wav') return parseWav(bytes).pcm;
    if (fileFormat(format)?.kind === 'raw') return bytes;
  } catch {
    // An unreadable old file is replaced.
  }
  return undefined;
}
