/**
 * A Stasis bridge. Two members of a mixing bridge are connected like Asterisk's simple_bridge:
 * each frame read from one is written to the other at once (no buffering, no added delay; this
 * is the hot path). With three or more members, or while a bridge playback plays, the bridge
 * mixes like softmix: each 20 ms tick every member hears the sum of the others ("mix minus").
 * A holding bridge carries no audio between members; bridge playbacks reach all of them.
 */
import type { Bridge } from '../../engine/ari/models.js';
import type { FrameReader, SimChannel } from './channel.js';
import { CommandQueue } from './command-queue.js';
import type { Core } from './core.js';
import { mixFrames, type MediaFrame } from './media.js';
import type { Cancel } from './scheduler.js';

/** Frames kept per member between mixing ticks; older ones are dropped (a late reader). */
const MAX_QUEUED_FRAMES = 10;

export class SimBridge {
  readonly id: string;
  readonly name: string;
  readonly bridgeType: 'mixing' | 'holding';
  readonly creationtime: string;
  readonly members: SimChannel[] = [];
  /** Apps that hear about this bridge: those of the channels that joined it. */
  readonly apps = new Set<string>();
  readonly playbacks = new CommandQueue();
  /** The frame source of the bridge playback now playing, polled once per tick. */
  announcer: (() => MediaFrame | undefined) | undefined;
  destroyed = false;
  private readonly queues = new Map<SimChannel, MediaFrame[]>();
  private stopTicking: Cancel | undefined;

  constructor(
    private readonly core: Core,
    id: string,
    name: string,
    bridgeType: 'mixing' | 'holding',
  ) {
    this.id = id;
    this.name = name;
    this.bridgeType = bridgeType;
    this.creationtime = new Date().toISOString().replace('Z', '+0000');
  }

  get technology(): string {
    if (this.bridgeType === 'holding') return 'holding_bridge';
    return this.members.length > 2 ? 'softmix' : 'simple_bridge';
  }

  snapshot(): Bridge {
    return {
      id: this.id,
      technology: this.technology,
      bridge_type: this.bridgeType,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: this.name,
      channels: this.members.map((m) => m.id),
      creationtime: this.creationtime,
      video_mode: this.bridgeType === 'holding' ? 'none' : 'talker',
    };
  }

  private route(channel?: SimChannel): Set<string> {
    const apps = new Set(this.apps);
    if (channel) for (const a of channel.route()) apps.add(a);
    return apps;
  }

  add(channel: SimChannel): void {
    if (channel.bridgeId === this.id) return;
    if (channel.bridgeId !== undefined) this.core.bridges.get(channel.bridgeId)?.remove(channel);
    for (const app of channel.route()) this.apps.add(app);
    this.members.push(channel);
    channel.bridgeId = this.id;
    channel.reader = this.readerFor(channel);
    this.core.emit(this.core.events.channelEnteredBridge(this.snapshot(), channel.snapshot()), this.route(channel));
    this.updatePeers();
    this.updateMode();
  }

  remove(channel: SimChannel): void {
    const i = this.members.indexOf(channel);
    if (i < 0) return;
    this.members.splice(i, 1);
    this.queues.delete(channel);
    channel.bridgeId = undefined;
    channel.bridgeSuspended = false;
    if (channel.reader && (channel.reader as BridgeReader).bridge === this) channel.reader = null;
    if (channel.vars.has('BRIDGEPEER')) this.core.setVar(channel, 'BRIDGEPEER', '');
    this.core.emit(this.core.events.channelLeftBridge(this.snapshot(), channel.snapshot()), this.route(channel));
    if (this.members.length >= 2) this.updatePeers();
    this.updateMode();
  }

  destroy(): void {
    if (this.destroyed) return;
    for (const m of [...this.members]) this.remove(m);
    this.destroyed = true;
    this.playbacks.flush();
    this.stopTicking?.();
    this.stopTicking = undefined;
    this.core.emit(this.core.events.bridgeDestroyed(this.snapshot()), this.route());
  }

  /** Call when a bridge playback starts or stops, or a member is (un)suspended. */
  updateMode(): void {
    const mixing = this.bridgeType === 'holding' || this.members.length > 2 || this.announcer !== undefined;
    if (mixing && !this.stopTicking && !this.destroyed) {
      this.stopTicking = this.core.scheduler.everyTick(() => this.mixTick());
    } else if (!mixing && this.stopTicking) {
      this.stopTicking();
      this.stopTicking = undefined;
      this.queues.clear();
    }
  }

  /** BRIDGEPEER: the other member's name, or the others' names joined by commas. */
  private updatePeers(): void {
    if (this.members.length < 2) return;
    for (const m of this.members) {
      const peers = this.members.filter((o) => o !== m).map((o) => o.name).join(',');
      if (m.vars.get('BRIDGEPEER') !== peers) this.core.setVar(m, 'BRIDGEPEER', peers);
    }
  }

  private readerFor(channel: SimChannel): FrameReader {
    const reader: BridgeReader = {
      bridge: this,
      onFrame: (frame) => this.onMemberFrame(channel, frame),
      onDtmf: (digit, durationMs) => {
        if (channel.bridgeSuspended || this.bridgeType === 'holding') return;
        for (const m of this.members) if (m !== channel && !m.bridgeSuspended) m.tech?.sendDtmf(digit, durationMs);
      },
    };
    return reader;
  }

  private onMemberFrame(from: SimChannel, frame: MediaFrame): void {
    if (from.bridgeSuspended) return;
    if (this.stopTicking) {
      let q = this.queues.get(from);
      if (!q) this.queues.set(from, (q = []));
      q.push(frame);
      if (q.length > MAX_QUEUED_FRAMES) q.shift();
      return;
    }
    // simple_bridge: straight through to the other member.
    for (const m of this.members) {
      if (m !== from && !m.bridgeSuspended) m.write(frame);
    }
  }

  private mixTick(): void {
    const heard = new Map<SimChannel, MediaFrame>();
    if (this.bridgeType === 'mixing') {
      for (const m of this.members) {
        const f = this.queues.get(m)?.shift();
        if (f) heard.set(m, f);
      }
    }
    const announced = this.announcer?.();
    for (const m of this.members) {
      if (m.bridgeSuspended) continue;
      const sources: MediaFrame[] = [];
      for (const [from, f] of heard) if (from !== m) sources.push(f);
      if (announced) sources.push(announced);
      if (sources.length === 0) continue;
      const rate = Math.min(16000, Math.max(...sources.map((s) => s.rate)));
      m.write(mixFrames(sources, rate));
    }
  }
}

interface BridgeReader extends FrameReader {
  bridge: SimBridge;
}
