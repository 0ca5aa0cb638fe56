/**
 * ARI playbacks on a channel or a bridge (res_stasis_playback.c), and the frame streaming the
 * dialplan Playback() app shares.
 *
 * From the traces (s7): the request answers 201 with state "queued"; PlaybackStarted comes when
 * the playback's turn comes; `sound:` media play from the sound folders, one 20 ms frame per tick,
 * then PlaybackFinished "done". A `sound:` name with an extension, or a missing file: Started,
 * then Finished "failed" at once. Media without a scheme: Started, an error in the log, and never
 * a Finished. A stopped playback finishes "done" 2 ms later. Several media play in turn, with
 * PlaybackContinuing between them.
 */
import type { Playback, PlaybackState } from '../../engine/ari/models.js';
import { AriError } from './api.js';
import type { SimBridge } from './bridge.js';
import type { SimChannel } from './channel.js';
import type { Command } from './command-queue.js';
import type { Core } from './core.js';
import type { MediaFrame } from './media.js';
import { findStored } from './recording.js';
import { streamFrames } from './stream.js';

type InternalState = 'queued' | 'playing' | 'continuing' | 'done' | 'failed' | 'stopped' | 'canceled';

/** Delay between DELETE /playbacks/{id} and PlaybackFinished (s7: 2–4 ms). */
const STOP_LATENCY_MS = 2;

export type PlaybackTarget = { kind: 'channel'; channel: SimChannel } | { kind: 'bridge'; bridge: SimBridge };

export class SimPlayback implements Command {
  readonly id: string;
  private readonly medias: string[];
  private index = 0;
  private state: InternalState = 'queued';
  private stopRequested: (() => void) | undefined;
  private readonly stopped: Promise<void>;

  constructor(
    private readonly core: Core,
    id: string,
    medias: string[],
    private readonly language: string,
    private readonly target: PlaybackTarget,
    private readonly offsetms = 0,
  ) {
    this.id = id;
    this.medias = medias;
    this.stopped = new Promise((resolve) => (this.stopRequested = resolve));
  }

  get targetUri(): string {
    return this.target.kind === 'channel' ? `channel:${this.target.channel.id}` : `bridge:${this.target.bridge.id}`;
  }

  json(): Playback {
    const base = { id: this.id, media_uri: this.medias[this.index] };
    const state = publicState(this.state);
    if (this.index < this.medias.length - 1) {
      return { ...base, next_media_uri: this.medias[this.index + 1], target_uri: this.targetUri, language: this.language, state };
    }
    return { ...base, target_uri: this.targetUri, language: this.language, state };
  }

  /** DELETE /playbacks/{id}. */
  stop(): void {
    if (this.state === 'queued') {
      this.state = 'canceled';
      const queue = this.queue();
      if (queue.remove(this)) {
        this.publish();
        this.core.playbacks.delete(this.id);
      }
      return;
    }
    if (this.state === 'playing' || this.state === 'continuing') {
      this.state = 'stopped';
      const resolve = this.stopRequested;
      this.core.scheduler.after(STOP_LATENCY_MS, () => resolve?.());
      return;
    }
    throw new AriError(500, 'Could not stop playback');
  }

  drop(): void {
    this.core.playbacks.delete(this.id);
  }

  private queue() {
    return this.target.kind === 'channel' ? this.core.control(this.target.channel) : this.target.bridge.playbacks;
  }

  /** Apps that heard PlaybackStarted keep hearing about it, even once the channel left Stasis. */
  private heardBy = new Set<string>();

  private get eventApps(): Set<string> {
    const now = this.target.kind === 'channel' ? this.target.channel.route() : new Set(this.target.bridge.apps);
    for (const app of now) this.heardBy.add(app);
    return new Set(this.heardBy);
  }

  private publish(): void {
    const state = publicState(this.state);
    const type = state === 'playing' ? 'PlaybackStarted' : state === 'continuing' ? 'PlaybackContinuing' : state === 'done' || state === 'failed' ? 'PlaybackFinished' : undefined;
    if (type) this.core.emit(this.core.events.playback(type, this.json()), this.eventApps);
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      for (this.index = 0; this.index < this.medias.length; this.index++) {
        if (this.state === 'canceled') {
          this.publish();
          return;
        }
        this.state = 'playing';
        this.publish();
        const media = this.medias[this.index];
        const outcome = await this.playOne(media, signal);
        if (outcome === 'unsupported') continue;
        const hangup = signal.aborted || this.targetGone();
        const last = this.index === this.medias.length - 1;
        const stopped = this.isStopped();
        if (stopped) this.core.log.info({ playback: this.id, media }, `Playback stopped for ${media}`);
        else if (outcome === 'done') this.state = last || hangup ? 'done' : 'continuing';
        else this.state = last || hangup ? 'failed' : 'continuing';
        this.publish();
        if (hangup || stopped) return;
      }
    } finally {
      this.core.playbacks.delete(this.id);
    }
  }

  /** Read through a method: the state changes while run() awaits. */
  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private targetGone(): boolean {
    return this.target.kind === 'channel' ? this.target.channel.hangupRequested : this.target.bridge.destroyed;
  }

  private async playOne(media: string, signal: AbortSignal): Promise<'done' | 'failed' | 'unsupported'> {
    let path: string | undefined;
    if (media.startsWith('sound:')) {
      const name = media.slice('sound:'.length);
      path = this.core.sounds.find(name, this.language, this.target.kind === 'channel' ? this.target.channel.nativeRate : 8000);
      if (!path) {
        this.core.log.warn({ playback: this.id }, `File ${name} does not exist in any format`);
        this.core.log.warn({ playback: this.id }, `Playback failed for ${media}`);
        return 'failed';
      }
    } else if (media.startsWith('recording:')) {
      const stored = storedPath(this.core, media.slice('recording:'.length));
      if (!stored) {
        this.core.log.error({ playback: this.id }, `Attempted to play recording '${media.slice(10)}' but recording does not exist`);
        return 'unsupported';
      }
      path = stored;
    } else {
      this.core.log.error(
        { playback: this.id },
        `Attempted to play URI '${media}' on ${this.targetUri} but scheme is unsupported`,
      );
      return 'unsupported';
    }
    let frames: readonly MediaFrame[];
    try {
      frames = await this.core.sounds.frames(path);
    } catch (err) {
      this.core.log.warn({ playback: this.id, err: (err as Error).message }, `Playback failed for ${media}`);
      return 'failed';
    }
    if (this.offsetms > 0 && this.index === 0) frames = frames.slice(Math.floor(this.offsetms / 20));
    const outcome = this.target.kind === 'channel' ? await this.onChannel(this.target.channel, frames, signal) : await this.onBridge(this.target.bridge, frames, signal);
    return outcome === 'done' ? 'done' : 'failed';
  }

  private async onChannel(channel: SimChannel, frames: readonly MediaFrame[], signal: AbortSignal): Promise<string> {
    // A playback on a bridged channel takes it out of the mix meanwhile (bridge_channel suspend).
    const inBridge = channel.bridgeId !== undefined;
    if (inBridge) channel.bridgeSuspended = true;
    try {
      return await streamFrames(this.core, frames, (f) => channel.write(f), signal, this.stopped);
    } finally {
      if (inBridge && channel.bridgeId !== undefined) channel.bridgeSuspended = false;
    }
  }

  private onBridge(bridge: SimBridge, frames: readonly MediaFrame[], signal: AbortSignal): Promise<string> {
    return new Promise((resolve) => {
      let i = 0;
      let settled = false;
      const finish = (how: string): void => {
        if (settled) return;
        settled = true;
        if (bridge.announcer === next) bridge.announcer = undefined;
        bridge.updateMode();
        signal.removeEventListener('abort', onAbort);
        resolve(how);
      };
      const onAbort = (): void => finish('aborted');
      const next = (): MediaFrame | undefined => {
        if (i < frames.length) return frames[i++];
        queueMicrotask(() => finish('done'));
        return undefined;
      };
      bridge.announcer = next;
      bridge.updateMode();
      signal.addEventListener('abort', onAbort);
      void this.stopped.then(() => finish('stopped'));
    });
  }
}

/** state_to_string: stopped and canceled playbacks read "done". */
function publicState(state: InternalState): PlaybackState {
  return state === 'stopped' || state === 'canceled' ? 'done' : state;
}

function storedPath(core: Core, name: string): string | undefined {
  try {
    return findStored(core, name).path;
  } catch {
    return undefined;
  }
}
