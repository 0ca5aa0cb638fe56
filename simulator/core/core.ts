/**
 * The shared state of the simulated PBX and the channel life cycle every part of the model goes
 * through: publishing events to the right applications, variables, state changes, Stasis entry
 * and exit, hangup requests and channel destruction.
 *
 * The hangup choreography is copied from the traces (s1–s14):
 * - ARI DELETE: ChannelHangupRequest {cause: 32, soft: true}; the channel leaves its bridge and
 *   Stasis (StasisEnd, STASISSTATUS=SUCCESS); a dialplan on it ends with {cause: 16, soft: true};
 *   then its Local peer gets a plain {cause} request, then ChannelDestroyed.
 * - A dialplan app that fails (AudioSocket errors) ends the dialplan: {cause: 16, soft: true},
 *   the peer gets {cause: 0}, ChannelDestroyed cause 0 "Unknown".
 * - Reactions of a channel to a hangup run a microtask later, so a peer's StasisEnd comes after
 *   the ChannelDestroyed of the half that hung up (s1, s3).
 *
 * Routing: an event about a channel goes to the apps subscribed to it (the originating app for
 * the channel's life, the Stasis app while it is in Stasis), except StasisStart/StasisEnd, which
 * go to the Stasis app alone (s3). ChannelCreated and what precedes the subscription reach only
 * the firehose (an empty app set).
 */
import type { Logger } from 'pino';
import type { ChannelState, DialplanCep, PbxEvent } from '../../engine/ari/models.js';
import type { EventRoute, PbxEventListener } from './api.js';
import type { AudioSocketLink } from './audiosocket-link.js';
import type { SimBridge } from './bridge.js';
import type { SimChannel } from './channel.js';
import { CommandQueue } from './command-queue.js';
import { EventFactory } from './events.js';
import type { Ids } from './ids.js';
import { SoftHangup } from './causes.js';
import type { PathMap } from './paths.js';
import type { Scheduler } from './scheduler.js';
import type { SoundLibrary } from './sounds.js';
import type { SimPlayback } from './playback.js';
import type { LiveRecordingRun } from './recording.js';

export interface DialplanLocation {
  context: string;
  exten: string;
  priority: number;
}

/** How a dialplan ends on a channel (see exec.ts). */
export interface PbxRunOptions {
  /**
   * The pbx loop's final soft hangup (AST_SOFTHANGUP_APPUNLOAD, ChannelHangupRequest
   * {cause: 16, soft: true}). Channels that entered Stasis directly (snoop, originate app) and
   * were continued into the dialplan do not show it (s12).
   */
  appUnload: boolean;
}

/** What the model needs to know about extensions.conf outside the executor. */
export interface DialplanView {
  /** Whether exten@context has the priority (patterns included). */
  exists(context: string, exten: string, priority: number): boolean;
  /** The priority of a label in exten@context, or undefined. */
  findLabel(context: string, exten: string, label: string): number | undefined;
  /** A [globals] variable, or undefined. */
  global(name: string): string | undefined;
}

/** Runs a dialplan on a channel until it ends; provided by dialplan/exec.ts. */
export type PbxRunner = (channel: SimChannel, at: DialplanLocation, options: PbxRunOptions) => Promise<void>;

export interface CoreConfig {
  asteriskId: string;
  logger: Logger;
  scheduler: Scheduler;
  ids: Ids;
  paths: PathMap;
  soundDirs: string[];
  spoolDir: string;
  sounds: SoundLibrary;
}

const EMPTY_APPS: ReadonlySet<string> = new Set();

export class Core {
  readonly asteriskId: string;
  readonly log: Logger;
  readonly scheduler: Scheduler;
  readonly ids: Ids;
  readonly paths: PathMap;
  readonly soundDirs: string[];
  readonly spoolDir: string;
  readonly sounds: SoundLibrary;
  readonly events: EventFactory;
  readonly playbacks = new Map<string, SimPlayback>();
  readonly liveRecordings = new Map<string, LiveRecordingRun>();
  readonly channels = new Map<string, SimChannel>();
  readonly bridges = new Map<string, SimBridge>();
  readonly registeredApps = new Set<string>();
  /** Globals set while running (Set(GLOBAL(x)=y)); they hide [globals] of the same name. */
  readonly runtimeGlobals = new Map<string, string>();
  /** Open AudioSocket connections, by the channel they serve (fault injection, shutdown). */
  readonly links = new Map<AudioSocketLink, SimChannel>();
  /** Global AudioSocket connect faults (SimFaults). */
  readonly connectFaults = { refuse: false, delayMs: 0 };
  readonly controls = new WeakMap<SimChannel, CommandQueue>();
  private readonly listeners = new Set<PbxEventListener>();
  /** Set by SimPbx once the dialplan executor is wired. */
  runPbx: PbxRunner = async () => {
    throw new Error('no dialplan executor');
  };
  /** Set by SimPbx from the parsed extensions.conf. */
  dialplan: DialplanView = { exists: () => false, findLabel: () => undefined, global: () => undefined };
  closed = false;

  constructor(config: CoreConfig) {
    this.asteriskId = config.asteriskId;
    this.log = config.logger;
    this.scheduler = config.scheduler;
    this.ids = config.ids;
    this.paths = config.paths;
    this.soundDirs = config.soundDirs;
    this.spoolDir = config.spoolDir;
    this.sounds = config.sounds;
    this.events = new EventFactory(config.asteriskId);
  }

  // ---- events ----

  onEvent(listener: PbxEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: PbxEvent, apps: ReadonlySet<string> = EMPTY_APPS): void {
    const route: EventRoute = { apps };
    for (const listener of this.listeners) {
      try {
        listener(event, route);
      } catch (err) {
        this.log.error({ err, type: event.type }, 'event listener threw');
      }
    }
  }

  /** Publishes an event about a channel to the apps subscribed to it now. */
  emitFor(channel: SimChannel, event: PbxEvent): void {
    this.emit(event, channel.route());
  }

  control(channel: SimChannel): CommandQueue {
    let q = this.controls.get(channel);
    if (!q) {
      q = new CommandQueue();
      this.controls.set(channel, q);
    }
    return q;
  }

  // ---- channel state ----

  setVar(channel: SimChannel, name: string, value: string): void {
    channel.vars.set(name, value);
    this.emitFor(channel, this.events.channelVarset(channel.snapshot(), name, value));
  }

  setState(channel: SimChannel, state: ChannelState): void {
    if (channel.state === state) return;
    channel.state = state;
    this.emitFor(channel, this.events.channelStateChange(channel.snapshot()));
  }

  /** Moves the channel to a dialplan step and publishes ChannelDialplan. */
  dialplanStep(channel: SimChannel, at: Partial<DialplanCep>): void {
    channel.dialplan = { ...channel.dialplan, ...at };
    this.emitFor(channel, this.events.channelDialplan(channel.snapshot()));
  }

  /**
   * Answers a channel. Answering the ;2 half of a Local pair answers the ;1 half that was dialed
   * (ChannelStateChange ;2, ChannelStateChange ;1, Dial ANSWER: s1–s14), and the dial then goes
   * on: ;1 enters its Stasis app or its dialplan.
   */
  answer(channel: SimChannel): void {
    if (channel.state === 'Up' || channel.destroyed) return;
    this.setState(channel, 'Up');
    const peer = channel.localPeer;
    if (peer && peer.outgoing && peer.state !== 'Up' && !peer.destroyed) {
      this.setState(peer, 'Up');
      const then = peer.onAnswered;
      peer.onAnswered = undefined;
      then?.();
    }
  }

  // ---- Stasis ----

  isRegistered(app: string): boolean {
    return this.registeredApps.has(app);
  }

  /**
   * Puts a channel into a Stasis application: STASISSTATUS is cleared (published before the app
   * is subscribed), then StasisStart. An app with no WebSocket gives STASISSTATUS=FAILED and
   * false, as app_stasis does (s14).
   */
  enterStasis(channel: SimChannel, app: string, args: string[], viaDialplan: boolean): boolean {
    this.setVar(channel, 'STASISSTATUS', '');
    if (!this.isRegistered(app)) {
      this.log.warn({ channel: channel.name, app }, `Stasis app '${app}' not registered`);
      this.setVar(channel, 'STASISSTATUS', 'FAILED');
      return false;
    }
    channel.stasis = { app, args, viaDialplan };
    // StasisStart and StasisEnd go to the Stasis app alone, not to the channel's other
    // subscribers (s3: the originating app never sees the ;2 half's StasisStart).
    this.emit(this.events.stasisStart(channel.snapshot(), args), new Set([app]));
    return true;
  }

  /**
   * Takes a channel out of Stasis: its commands stop, it leaves its bridge, StasisEnd goes to
   * the app (which is then unsubscribed). STASISSTATUS=SUCCESS follows, except for a channel
   * that entered Stasis directly and is continued into the dialplan: there it is set when that
   * dialplan ends (s12).
   */
  leaveStasis(channel: SimChannel, reason: 'hangup' | 'continue'): void {
    const stasis = channel.stasis;
    if (!stasis) return;
    this.controls.get(channel)?.flush();
    if (channel.bridgeId !== undefined) this.bridges.get(channel.bridgeId)?.remove(channel);
    this.emit(this.events.stasisEnd(channel.snapshot()), new Set([stasis.app]));
    channel.stasis = undefined;
    if (!(channel.directStasis && reason === 'continue')) this.setVar(channel, 'STASISSTATUS', 'SUCCESS');
  }

  // ---- hangup ----

  /** ARI DELETE /channels/{id}: an explicit soft hangup with the reason's cause. */
  hangupExplicit(channel: SimChannel, cause: number): void {
    channel.hangupCause = cause;
    this.emitFor(channel, this.events.channelHangupRequest(channel.snapshot(), SoftHangup.Explicit, true));
    this.requestHangup(channel);
  }

  /**
   * ast_queue_hangup_with_cause: what a Local half does to its peer, and what a channel driver
   * does when its far end goes away. Publishes a plain (not soft) ChannelHangupRequest.
   */
  hangupQueued(channel: SimChannel, cause: number): void {
    if (channel.destroyed) return;
    channel.hangupCause = cause;
    this.emitFor(channel, this.events.channelHangupRequest(channel.snapshot(), cause, false));
    this.requestHangup(channel);
  }

  /** A hangup that publishes no request (snoops lose their target; faults). */
  hangupSilently(channel: SimChannel, cause = 0): void {
    if (channel.destroyed) return;
    if (!channel.hangupCause) channel.hangupCause = cause;
    this.requestHangup(channel);
  }

  /**
   * Signals whatever runs on the channel to stop. A dialplan (exec.ts) notices through the
   * channel's hangupSignal and finishes itself; otherwise the channel leaves Stasis and is
   * destroyed here, a microtask later.
   */
  private requestHangup(channel: SimChannel): void {
    const first = !channel.hangupRequested;
    channel.markHangupRequested();
    if (!first || channel.pbxRunning) return;
    queueMicrotask(() => {
      if (channel.destroyed || channel.pbxRunning) return;
      this.leaveStasis(channel, 'hangup');
      this.destroy(channel);
    });
  }

  /** The end of a dialplan that did not hand the channel on: APPUNLOAD soft hangup, destroy. */
  endPbx(channel: SimChannel, options: PbxRunOptions): void {
    if (channel.destroyed) return;
    if (options.appUnload) {
      this.emitFor(channel, this.events.channelHangupRequest(channel.snapshot(), SoftHangup.AppUnload, true));
    }
    channel.markHangupRequested();
    this.destroy(channel);
  }

  /**
   * ast_hangup: releases media, tells the Local peer (a plain hangup request, published before
   * this channel's ChannelDestroyed), publishes ChannelDestroyed and forgets the channel.
   *
   * A channel with snoops is only released once they let go: s6 shows the snoop's STASISSTATUS,
   * then the target's ChannelDestroyed, then the snoop's; s12 (a snoop whose dialplan had ended)
   * the Local peer's ChannelDestroyed, the snoop's, then the target's.
   */
  destroy(channel: SimChannel): void {
    if (channel.destroyed) return;
    channel.markHangupRequested();
    if (channel.stasis) this.leaveStasis(channel, 'hangup');
    if (channel.bridgeId !== undefined) this.bridges.get(channel.bridgeId)?.remove(channel);
    channel.destroyed = true;
    this.controls.get(channel)?.flush();
    const peer = channel.localPeer;
    if (peer && !peer.destroyed && !peer.hangupRequested) this.hangupQueued(peer, channel.hangupCause);
    try {
      channel.tech?.destroy();
    } catch (err) {
      this.log.error({ err, channel: channel.name }, 'channel driver failed to release');
    }
    for (const cleanup of channel.onDestroy.splice(0)) {
      try {
        cleanup();
      } catch (err) {
        this.log.error({ err, channel: channel.name }, 'channel cleanup failed');
      }
    }
    const live = [...channel.snoops].filter((s) => !s.destroyed);
    if (live.length > 0 && !this.closed) {
      this.pendingRelease.set(channel, () => this.release(channel));
      const running = live.filter((s) => s.pbxRunning || s.stasis !== undefined);
      for (const snoop of running) this.hangupSilently(snoop, 0);
      // Snoops whose dialplan already ended lingered until now; they go once the target's Local
      // peer has finished hanging up (s12: the peer's ChannelDestroyed, the snoop's, the target's).
      const lingering = live.filter((s) => !running.includes(s));
      if (lingering.length > 0) {
        this.scheduler.after(0, () => {
          for (const snoop of lingering) {
            // Detached first, so the target goes after the snoop's ChannelDestroyed, not before.
            channel.snoops.delete(snoop);
            snoop.snoopTarget = undefined;
            if (!snoop.destroyed) this.destroy(snoop);
          }
          if ([...channel.snoops].every((s) => s.destroyed)) this.pendingRelease.get(channel)?.();
        });
      }
      return;
    }
    this.release(channel);
  }

  /** Channels destroyed but held by running snoops, with what finishes them. */
  private readonly pendingRelease = new Map<SimChannel, () => void>();

  private release(channel: SimChannel): void {
    this.pendingRelease.delete(channel);
    const target = channel.snoopTarget;
    if (target) {
      target.snoops.delete(channel);
      // The target waited for all its snoops to let go.
      if ([...target.snoops].every((s) => s.destroyed)) this.pendingRelease.get(target)?.();
    }
    const dialplan = channel.outgoing
      ? { app_name: 'AppDial2', app_data: '(Outgoing Line)' }
      : { app_name: '', app_data: '' };
    this.emitFor(channel, this.events.channelDestroyed(channel.snapshot(dialplan), channel.hangupCause));
    this.channels.delete(channel.id);
    const snoops = [...channel.snoops];
    channel.release();
    // Snoops whose dialplan already ended lingered until their target went (s12).
    for (const snoop of snoops) {
      if (snoop.destroyed) continue;
      if (snoop.hangupRequested && !snoop.pbxRunning) this.destroy(snoop);
      else this.hangupSilently(snoop, 0);
    }
  }
}
