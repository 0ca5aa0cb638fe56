/**
 * One call, from StasisStart to the last deleted file.
 *
 * The session owns meaning: it binds the caller's audio (AudioSocket first, snoop fallback),
 * feeds the provider, turns the provider's audio into playback (files or streamed frames), cuts
 * the agent off when the caller barges in, and tears everything down exactly once. Lifecycle
 * decisions go through the pure state machine in state.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriEvent } from '../ari/models.js';
import { dbfs } from '../audio/pcm.js';
import { StreamingResampler } from '../audio/resample.js';
import type { VadEvent } from '../audio/vad.js';
import type { MediaStore, StoredMedia } from '../media/store.js';
import type { CallerSpeech, Provider, ProviderEvent, ProviderSession } from '../providers/types.js';
import { BargeInDetector, type BargeInSettings } from './barge-in.js';
import { SilenceCarrier } from './carrier.js';
import { ownPrefix } from './owner.js';
import { AgentPlayout } from './playout.js';
import type { AudioBinder, BoundAudio, CallAri, IsNotFound } from './ports.js';
import { ProviderFeed } from './provider-feed.js';
import { ResponseSegmenter } from './segmenter.js';
import { transition, type CallEvent, type CallState } from './state.js';
import { CallTimeline, type TurnTiming } from './timeline.js';

export type AudioTransport = 'audiosocket' | 'legacy';
export type DownstreamMode = 'file' | 'stream';

export interface SessionConfig {
  app: string;
  transport: AudioTransport;
  downstream: DownstreamMode;
  /** host:port Asterisk dials for AudioSocket. */
  audiosocketAddr: string;
  format: 'slin' | 'slin16';
  bindTimeoutMs: number;
  snoop: { spy: 'in' | 'out' | 'both'; context: string; extension: string };
  bargeIn: BargeInSettings;
  segments: { firstMs: number; nextMs: number };
  /** streaming.*: the provider's audio rate, the chunk size it is fed, and the stream-mode prebuffer. */
  streaming: { providerRate: number | null; chunkMs: number; jitterBufferMs: number };
  /** Played (sound: URI without extension) when the provider dies and no fallback is left. */
  apologyMedia?: string;
}

export interface VoiceDetector {
  /** One 20 ms frame in; whether it is speech. */
  isSpeech(frame: Buffer): boolean;
  /** Speech start/end events as frames complete them, for a provider that can use them. */
  onEvent?(listener: (event: VadEvent) => void): void;
}

export interface SessionDeps {
  ari: CallAri;
  isNotFound: IsNotFound;
  binder: AudioBinder;
  media: MediaStore;
  /** Providers in order of preference: the first is used, the next on a fatal failure. */
  providers: Provider[];
  createVad(sampleRate: number): VoiceDetector;
  logger: Logger;
  now(): number;
  /** A shared 20 ms tick (engine/audio/pacer.ts FrameTicker) for the upstream gap filler. */
  ticker?: { add(listener: () => void): () => void };
  hooks?: SessionHooks;
}

/**
 * Upstream audio may stop without the call being silent in meaning: Local channels send nothing
 * while quiet, and phones with silence suppression (DTX) send nothing either. The VAD and the
 * provider need the silence to see a turn end, so after this much time without a frame the gap
 * is filled with silence frames (a SIP phone's frames arrive within ~22 ms, see the traces).
 */
const GAP_FILL_AFTER_MS = 60;
const FRAME_MS = 20;
const GAP_FILL_MAX_PER_TICK = 3;

/** Longest wait for the apology prompt to finish before hanging up anyway. */
const APOLOGY_MAX_MS = 15_000;

/** Telemetry and bookkeeping the manager hangs on a session. */
export interface SessionHooks {
  ownChannel?(channelId: string): void;
  ownPlayback?(playbackId: string): void;
  bound?(transport: AudioTransport, bindMs: number, fallback: boolean): void;
  turn?(t: TurnTiming): void;
  bargeIn?(latencyMs: number, cancelMs: number): void;
  cleanupFailure?(what: string, err: unknown): void;
  ended?(summary: ReturnType<CallTimeline['summary']>): void;
}

interface QueuedSegment {
  media: StoredMedia;
  pcm: Buffer;
  rate: number;
  responseId: string;
}

export class CallSession {
  readonly callId: string;
  readonly callerId: string;
  readonly log: Logger;
  readonly timeline: CallTimeline;
  private readonly cfg: SessionConfig;
  private readonly deps: SessionDeps;
  private state: CallState = 'answering';
  private transport: AudioTransport;
  /** `aiav-<tag>-<callId>`: what the ids of this call's channels, bridge and playbacks start with. */
  private readonly idPrefix: string;
  private readonly bridgeId: string;
  private readonly extId: string;
  private readonly snoopId: string;
  private readonly voiceId: string;
  private bridgeCreated = false;
  private voiceCreated = false;
  private voiceReady: Promise<void> = Promise.resolve();
  private extCreated = false;
  private snoopCreated = false;
  private pendingBind: { cancel(): void } | null = null;
  /** Own channels whose StasisStart has arrived, and who waits for one. */
  private readonly inStasisIds = new Set<string>();
  private readonly stasisWaiters = new Map<string, () => void>();
  private audio: BoundAudio | null = null;
  private rate = 8000;
  private provider: ProviderSession | null = null;
  private providerIndex = 0;
  private vad: VoiceDetector | null = null;
  private bargeIn: BargeInDetector;
  private readonly playout = new AgentPlayout();
  private segmenter: ResponseSegmenter | null = null;
  private writeChain: Promise<void> = Promise.resolve();
  private apology: { playbackId: string; finished(): void } | null = null;
  /** Silence played to an unbridged caller so streamed replies whispered by the snoop are heard. */
  private carrier: SilenceCarrier | null = null;
  private silence: Buffer | null = null;
  private streamEndTimer: NodeJS.Timeout | undefined;
  private framesSincePrune = 0;
  /** The frame onCallerAudio() is handling and its level once measured (NaN: not yet). */
  private framePcm: Buffer | null = null;
  private frameDbfs = NaN;
  /** The barge-in detector's CallerLevel for that frame: one function for the call, not one per frame. */
  private readonly frameLevel = (): number => (Number.isNaN(this.frameDbfs) ? (this.frameDbfs = dbfs(this.framePcm!)) : this.frameDbfs);
  private feed: ProviderFeed | null = null;
  /** Agent audio at the provider's rate → the call's rate, per response (no clicks between chunks). */
  private downsampler: StreamingResampler | null = null;
  /** Stream mode: audio held until jitter_buffer_ms is queued or the response is complete. */
  private prebuffer: Buffer[] | null = null;
  private suppressedFrames = 0;
  private pendingWrites = 0;
  private queue: QueuedSegment[] = [];
  private playing: (QueuedSegment & { playbackId: string; startedAt: number | null }) | null = null;
  private written = new Set<StoredMedia>();
  private seq = 0;
  private currentResponse: string | null = null;
  private cancelled = new Set<string>();
  private responsesSeen = 0;
  private responseDone = true;
  private turn: { endOfSpeechAt: number | null; firstChunkAt: number | null; heardAt: number | null } = {
    endOfSpeechAt: null,
    firstChunkAt: null,
    heardAt: null,
  };
  private bindStartedAt = 0;
  private lastAudioAt = 0;
  private stopGapFill: (() => void) | null = null;
  private ending: Promise<void> | null = null;
  private resolveDone!: () => void;
  /** Resolves when teardown is complete. */
  readonly done: Promise<void>;

  constructor(callerId: string, cfg: SessionConfig, deps: SessionDeps) {
    this.callId = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
    this.callerId = callerId;
    this.cfg = cfg;
    this.deps = deps;
    this.transport = cfg.transport;
    // Ids a restart can sweep by prefix (see owner.ts).
    this.idPrefix = `${ownPrefix(cfg.app)}${this.callId}`;
    this.bridgeId = `${this.idPrefix}-br`;
    this.extId = `${this.idPrefix}-ext`;
    this.snoopId = `${this.idPrefix}-snoop`;
    this.voiceId = `${this.idPrefix}-voice`;
    this.log = deps.logger.child({ callId: this.callId, channelId: callerId });
    this.timeline = new CallTimeline(deps.now);
    this.bargeIn = new BargeInDetector(cfg.bargeIn);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get currentState(): CallState {
    return this.state;
  }

  /** Channels this call owns (caller included), for routing ARI events. */
  get channelIds(): string[] {
    return [this.callerId, this.extId, this.snoopId, this.voiceId];
  }

  async start(): Promise<void> {
    this.timeline.mark('stasis_start');
    try {
      await this.deps.ari.answer(this.callerId);
    } catch (err) {
      if (this.deps.isNotFound(err)) return this.fire({ type: 'hangup', reason: 'caller gone before answer' });
      return this.fire({ type: 'failed', reason: `answer failed: ${errMsg(err)}` });
    }
    this.timeline.mark('answered');
    this.fire({ type: 'answered' });
  }

  /** An ARI event about one of this call's channels or playbacks. */
  handleEvent(ev: AriEvent): void {
    switch (ev.type) {
      case 'StasisStart':
        this.inStasisIds.add(ev.channel.id);
        this.stasisWaiters.get(ev.channel.id)?.();
        return;
      case 'StasisEnd':
      case 'ChannelDestroyed':
      case 'ChannelHangupRequest':
        if (ev.channel.id === this.callerId) {
          this.timeline.mark('caller_hangup');
          this.fire({ type: 'hangup', reason: `caller ${ev.type}` });
        } else if (ev.channel.id === this.extId && ev.type !== 'StasisEnd' && this.state === 'binding') {
          // The leg died before binding (its connection failed after the channel existed): fall back now.
          this.extCreated = false;
          this.fire({ type: 'leg_failed', reason: 'externalMedia leg hung up before binding' });
        }
        return;
      case 'PlaybackStarted':
        if (this.playing && ev.playback.id === this.playing.playbackId) this.onPlaybackStarted();
        return;
      case 'PlaybackFinished':
        if (this.playing && ev.playback.id === this.playing.playbackId) void this.onPlaybackFinished(ev.playback.state);
        else if (this.apology?.playbackId === ev.playback.id) this.apology.finished();
        else this.carrier?.finished(ev.playback.id);
        return;
      default:
        return;
    }
  }

  /** Ends the call from outside (drain, reconciliation after an ARI outage). */
  end(reason: string): Promise<void> {
    this.fire({ type: 'hangup', reason });
    return this.done;
  }

  private fire(event: CallEvent): void {
    const t = transition(this.state, event, this.transport);
    if (t.to === t.from && t.action === 'none') return;
    this.state = t.to;
    this.log.debug({ from: t.from, to: t.to, event: event.type }, 'call state');
    switch (t.action) {
      case 'start_binding':
        void this.startAudioSocket();
        break;
      case 'start_fallback':
        void this.startFallback(event);
        break;
      case 'start_conversation':
        void this.startConversation();
        break;
      case 'teardown':
        this.timeline.mark('teardown', { reason: 'reason' in event ? event.reason : event.type });
        this.ending = this.teardown(event);
        break;
      case 'finish':
        this.resolveDone();
        break;
      case 'none':
        break;
    }
  }

  // ── upstream: AudioSocket first ──────────────────────────────────────────────────────────

  private async startAudioSocket(): Promise<void> {
    const uuid = randomUUID();
    this.bindStartedAt = this.deps.now();
    const wait = this.deps.binder.expect(uuid, this.cfg.bindTimeoutMs, this.cfg.format === 'slin16' ? 16000 : 8000);
    this.pendingBind = wait;
    wait.bound.then(
      (conn) => this.onBound(conn, 'audiosocket'),
      (err) => {
        if (this.state === 'binding') {
          this.log.warn({ uuid, timeoutMs: this.cfg.bindTimeoutMs, err: errMsg(err) }, 'no AudioSocket connection bound in time; falling back to snoop');
          this.fire({ type: 'bind_timeout' });
        }
      },
    );
    try {
      this.deps.hooks?.ownChannel?.(this.extId);
      // The leg exists from the moment Asterisk starts connecting, long before its request
      // answers (it answers once the TCP connect is done): a fallback or hangup meanwhile must
      // hang it up too, not leave it to its late connect.
      this.extCreated = true;
      // The bridge and the leg do not need each other until they are joined, so both requests
      // go out at once: the connection can bind one round trip sooner. The leg's goes first:
      // its connect is what binding waits for.
      const [leg, bridge] = await Promise.allSettled([
        this.deps.ari.externalMedia({
          app: this.cfg.app,
          channelId: this.extId,
          externalHost: this.cfg.audiosocketAddr,
          format: this.cfg.format,
          data: uuid,
        }),
        this.deps.ari.createBridge(this.bridgeId).then(() => {
          this.bridgeCreated = true;
        }),
      ]);
      // A hangup or fallback while a request was in flight: teardown (or the fallback) may
      // already be past these resources, so they are undone here and nothing more is created.
      if (this.legAbandoned) return await this.dropAudioSocketLeg();
      if (bridge.status === 'rejected') throw bridge.reason;
      if (leg.status === 'rejected') throw leg.reason;
      await this.inStasis(this.extId);
      await this.deps.ari.addToBridge(this.bridgeId, [this.callerId, this.extId]);
      if (this.legAbandoned) return await this.dropAudioSocketLeg();
      if (this.cfg.downstream === 'file') this.voiceReady = this.createVoice();
    } catch (err) {
      if (this.state !== 'binding') return;
      if (this.deps.isNotFound(err) && !(await this.callerAlive())) return this.fire({ type: 'hangup', reason: 'caller gone while binding' });
      this.log.warn({ err: errMsg(err) }, 'externalMedia setup failed; falling back to snoop');
      wait.cancel();
      this.fire({ type: 'leg_failed', reason: errMsg(err) });
    }
  }

  /**
   * Resolves once the channel the engine created is in Stasis. A snoop (and an externalMedia
   * leg) enters Stasis on a thread of its own after the request that made it has been answered
   * (res_stasis_snoop.c; StasisStart ~0.5 ms after the answer in traces s6, s9, s12); until then
   * ARI answers 409 "Channel not in Stasis application" for it (setVariable, addChannel, play).
   * Gives up after a bound (the request that follows then fails as it would have) or at teardown.
   */
  private inStasis(channelId: string, timeoutMs = 2000): Promise<void> {
    if (this.inStasisIds.has(channelId) || this.isEnding) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.stasisWaiters.delete(channelId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.stasisWaiters.set(channelId, done);
    });
  }

  /** Read through a getter so TypeScript does not narrow it across awaits. */
  private get isEnding(): boolean {
    return this.state === 'ending' || this.state === 'ended';
  }

  /** The AudioSocket leg is no longer wanted: the call is ending, or fell back to the snoop. */
  private get legAbandoned(): boolean {
    return this.transport !== 'audiosocket' || (this.state !== 'binding' && this.state !== 'talking');
  }

  // ── upstream: snoop fallback (or legacy from the start) ──────────────────────────────────

  private async startFallback(cause: CallEvent): Promise<void> {
    this.pendingBind?.cancel();
    this.pendingBind = null;
    const fallback = cause.type !== 'answered';
    this.transport = 'legacy';
    this.timeline.mark(fallback ? 'fallback' : 'legacy', fallback ? { cause: cause.type } : undefined);
    if (fallback) {
      this.log.warn({ cause: cause.type, reason: 'reason' in cause ? cause.reason : undefined }, 'audio_transport fallback: switching call to legacy snoop');
      await this.dropAudioSocketLeg();
    }
    if (this.state !== 'fallback') return;

    const uuid = randomUUID();
    this.bindStartedAt = this.deps.now();
    // The dialplan AudioSocket() sends 8 kHz (0x10) whatever the call's codec.
    const wait = this.deps.binder.expect(uuid, this.cfg.bindTimeoutMs, 8000);
    this.pendingBind = wait;
    wait.bound.then(
      (conn) => this.onBound(conn, 'legacy'),
      (err) => {
        if (this.state === 'fallback') {
          this.log.error({ uuid, err: errMsg(err) }, 'snoop AudioSocket connection never bound; ending call');
          this.fire({ type: 'bind_timeout' });
        }
      },
    );
    try {
      this.deps.hooks?.ownChannel?.(this.snoopId);
      await this.deps.ari.snoop(this.callerId, {
        snoopId: this.snoopId,
        app: this.cfg.app,
        appArgs: 'aiav-snoop',
        spy: this.cfg.snoop.spy,
        // Streamed replies are whispered into the caller through the snoop (trace s12).
        whisper: this.cfg.downstream === 'stream' ? 'out' : 'none',
      });
      this.snoopCreated = true;
      // Hung up while the snoop was being made: teardown may have tried before it existed.
      if (this.isEnding) return await this.quietly('hang up snoop', () => this.deps.ari.hangup(this.snoopId));
      await this.inStasis(this.snoopId);
      await this.deps.ari.setVariable(this.snoopId, 'AUDIOSOCKET_UUID', uuid);
      await this.deps.ari.setVariable(this.snoopId, 'AUDIOSOCKET_ADDR', this.cfg.audiosocketAddr);
      if (this.state !== 'fallback') return;
      await this.deps.ari.continueInDialplan(this.snoopId, { context: this.cfg.snoop.context, extension: this.cfg.snoop.extension, priority: 1 });
    } catch (err) {
      if (this.state !== 'fallback') return;
      wait.cancel();
      const gone = this.deps.isNotFound(err) && !(await this.callerAlive());
      this.fire(gone ? { type: 'hangup', reason: 'caller gone during fallback' } : { type: 'failed', reason: `snoop fallback failed: ${errMsg(err)}` });
    }
  }

  /**
   * File playback for a bridged caller goes through a whisper-only snoop. Asterisk suspends a
   * bridged channel from its bridge while it plays a file to it (main/bridge_channel.c,
   * BRIDGE_CHANNEL_ACTION_PLAY_FILE), so the externalMedia leg would hear nothing from the caller
   * during the agent's answer and barge-in could never fire. Played on a snoop with whisper=out,
   * the file is mixed into what the caller hears while the caller stays in the bridge; the frames
   * the engine keeps writing on the AudioSocket keep audio flowing to the caller, which a whisper
   * needs (trace s12).
   */
  private async createVoice(): Promise<void> {
    try {
      this.deps.hooks?.ownChannel?.(this.voiceId);
      await this.deps.ari.snoop(this.callerId, { snoopId: this.voiceId, app: this.cfg.app, appArgs: 'aiav-voice', spy: 'none', whisper: 'out' });
      this.voiceCreated = true;
      await this.inStasis(this.voiceId);
      // Teardown or the fallback may have awaited an earlier voiceReady and moved on.
      if (this.legAbandoned) {
        this.voiceCreated = false;
        await this.quietly('hang up whisper snoop', () => this.deps.ari.hangup(this.voiceId));
      }
    } catch (err) {
      if (this.state === 'ending' || this.state === 'ended') return;
      this.log.warn({ err: errMsg(err) }, 'whisper snoop for playback failed; playing to the caller (no barge-in while the agent speaks)');
    }
  }

  /** Where file playback goes: the whisper snoop when there is one, else the caller. */
  private get playTarget(): string {
    return this.voiceCreated ? this.voiceId : this.callerId;
  }

  private async dropAudioSocketLeg(): Promise<void> {
    await this.voiceReady;
    if (this.voiceCreated) {
      this.voiceCreated = false;
      await this.quietly('hang up whisper snoop', () => this.deps.ari.hangup(this.voiceId));
    }
    if (this.extCreated) {
      this.extCreated = false;
      await this.quietly('hang up externalMedia leg', () => this.deps.ari.hangup(this.extId));
    }
    if (this.bridgeCreated) {
      this.bridgeCreated = false;
      await this.quietly('destroy bridge', () => this.deps.ari.destroyBridge(this.bridgeId));
    }
  }

  private onBound(conn: BoundAudio, transport: AudioTransport): void {
    if (this.state === 'ending' || this.state === 'ended' || this.audio) {
      conn.close();
      return;
    }
    this.pendingBind = null;
    this.audio = conn;
    this.rate = conn.rate;
    const bindMs = this.deps.now() - this.bindStartedAt;
    // channelId comes from the call's child logger: given here too, pino would write the key twice.
    this.log.info({ uuid: conn.uuid, mediaChannelId: transport === 'legacy' ? this.snoopId : this.extId, transport, rate: conn.rate, bindMs: round(bindMs) }, 'bound to channel');
    this.timeline.mark('bound', { transport, bindMs: round(bindMs), rate: conn.rate });
    this.deps.hooks?.bound?.(transport, bindMs, transport === 'legacy' && this.cfg.transport === 'audiosocket');
    conn.onClose((reason) => {
      if (this.audio !== conn) return;
      this.timeline.mark('socket_closed', { reason });
      this.fire({ type: 'hangup', reason: `AudioSocket closed: ${reason}` });
    });
    this.fire({ type: 'bound', transport });
  }

  // ── conversation ─────────────────────────────────────────────────────────────────────────

  private startCarrier(): void {
    this.carrier = new SilenceCarrier(this.idPrefix, {
      write: async (pcm, rate) => (await this.writeMedia(pcm, rate)).uri,
      play: (playbackId, media) => this.deps.ari.play(this.callerId, { playbackId, media }),
      stop: (playbackId) => this.deps.ari.stopPlayback(playbackId),
      own: (playbackId) => this.deps.hooks?.ownPlayback?.(playbackId),
    }, this.log);
    void this.carrier.start();
  }

  private async startConversation(): Promise<void> {
    const conn = this.audio!;
    if (this.transport === 'legacy' && this.cfg.downstream === 'stream') this.startCarrier();
    this.vad = this.deps.createVad(this.rate);
    this.segmenter = new ResponseSegmenter({ sampleRate: this.rate, firstSegmentMs: this.cfg.segments.firstMs, segmentMs: this.cfg.segments.nextMs });
    conn.onAudio((pcm) => {
      this.lastAudioAt = this.deps.now();
      this.onCallerAudio(pcm);
    });
    this.lastAudioAt = this.deps.now();
    if (this.deps.ticker) {
      const silence = Buffer.alloc((this.rate / 50) * 2);
      this.stopGapFill = this.deps.ticker.add(() => {
        const now = this.deps.now();
        // Whole frames only, and a few per tick: after a stall the filler catches up gradually
        // instead of piling a second's worth of frames onto an already late loop.
        for (let n = 0; now - this.lastAudioAt >= GAP_FILL_AFTER_MS && n < GAP_FILL_MAX_PER_TICK; n++) {
          this.lastAudioAt += 20;
          this.onCallerAudio(silence, -Infinity);
        }
      });
    }
    conn.onDtmf((digit) => {
      this.timeline.mark('dtmf', { digit });
      this.provider?.pushDtmf?.(digit);
    });
    await this.openProvider();
  }

  private async openProvider(): Promise<void> {
    while (this.providerIndex < this.deps.providers.length) {
      const provider = this.deps.providers[this.providerIndex];
      const avail = provider.availability();
      if (!avail.ok) {
        this.log.warn({ provider: provider.name, reason: avail.reason }, 'provider unavailable; trying the next one');
        this.providerIndex++;
        continue;
      }
      try {
        const session = await provider.openSession({
          callId: this.callId,
          format: { encoding: 'linear16', sampleRate: this.providerRate },
          logger: this.log,
          onEvent: (ev) => this.onProviderEvent(session, ev),
          callerSpeech: this.callerSpeech(),
        });
        if (this.state !== 'talking') {
          await session.close();
          return;
        }
        this.provider = session;
        this.feed = new ProviderFeed({
          callRate: this.rate,
          providerRate: this.providerRate,
          chunkMs: this.cfg.streaming.chunkMs,
          deliver: (pcm) => session.pushAudio(pcm),
        });
        this.log.info({ provider: provider.name, sampleRate: this.providerRate, callRate: this.rate }, 'Provider session started');
        this.timeline.mark('provider_started', { provider: provider.name });
        return;
      } catch (err) {
        this.log.error({ provider: provider.name, err: errMsg(err) }, 'provider session failed to open');
        this.providerIndex++;
      }
    }
    await this.apologizeAndHangUp('no provider could be opened');
  }

  /**
   * The session's VAD events, offered to the provider when it is pushed the very audio the VAD
   * hears (the feed hands on `heard` unchanged at the call's rate). A provider whose own detector
   * would repeat the work (the scripted one) listens instead: one detector per call, not two.
   */
  private callerSpeech(): CallerSpeech | undefined {
    const vad = this.vad;
    if (this.providerRate !== this.rate || !vad?.onEvent) return undefined;
    return { onEvent: (listener) => vad.onEvent!(listener) };
  }

  /** The provider's rate: streaming.sample_rate_hz, or the call's own. */
  private get providerRate(): number {
    return this.cfg.streaming.providerRate ?? this.rate;
  }

  /** `knownDbfs`: the frame's level when the caller knows it (gap-fill silence), saving a pass over it. */
  private onCallerAudio(pcm: Buffer, knownDbfs?: number): void {
    if (this.state !== 'talking') return;
    const now = this.deps.now();
    // Keep what the caller is hearing short: levelAt() scans it on every frame.
    if (++this.framesSincePrune >= 50) {
      this.framesSincePrune = 0;
      this.playout.prune(now - 1000);
    }
    this.bargeIn.agentLevel(now, this.playout.levelAt(now));
    // Measured at most once, and only if the barge-in detector asks (see CallerLevel).
    this.framePcm = pcm;
    this.frameDbfs = knownDbfs ?? NaN;
    // While the agent is heard, what is no louder than its echo would be is treated as echo:
    // the provider and the VAD get silence instead (a simple echo suppressor).
    const echo = this.bargeIn.isEcho(now, this.frameLevel);
    if (echo) {
      this.suppressedFrames++;
      if (!this.silence || this.silence.length !== pcm.length) this.silence = Buffer.alloc(pcm.length);
    }
    const heard = echo ? this.silence! : pcm;
    if (this.provider) this.feed?.push(heard);
    const voiced = this.vad!.isSpeech(heard);
    const frameMs = (pcm.length / 2 / this.rate) * 1000;
    const barge = this.bargeIn.callerFrame(now, frameMs, this.frameLevel, voiced);
    this.framePcm = null;
    if (barge) void this.doBargeIn(barge.onsetMs, 'vad');
  }

  private onProviderEvent(session: ProviderSession, ev: ProviderEvent): void {
    if (session !== this.provider && ev.type !== 'closed' && ev.type !== 'error') return;
    if (this.state !== 'talking') return;
    const now = this.deps.now();
    switch (ev.type) {
      case 'user_started_speaking':
        this.timeline.mark('user_speech_start');
        // The provider's own detector (e.g. Deepgram's) is a second barge-in trigger, still
        // subject to the protection window.
        if (this.bargeIn.agentSpeaking && this.agentInterruptible(now)) void this.doBargeIn(this.bargeIn.speechOnsetMs ?? now, 'provider');
        return;
      case 'user_stopped_speaking':
        this.timeline.mark('user_speech_end');
        this.turn = { endOfSpeechAt: now, firstChunkAt: null, heardAt: null };
        return;
      case 'transcript':
        this.log.info({ role: ev.role, text: ev.text, final: ev.final }, 'transcript');
        this.timeline.mark('transcript', { role: ev.role, text: ev.text });
        return;
      case 'response_started':
        this.beginResponse(ev.responseId, ev.text);
        return;
      case 'agent_audio':
        if (this.cancelled.has(ev.responseId)) return;
        if (this.currentResponse !== ev.responseId) this.beginResponse(ev.responseId);
        if (this.turn.firstChunkAt === null) this.turn.firstChunkAt = now;
        this.onAgentAudio(ev.pcm, ev.sampleRate);
        return;
      case 'response_done':
        if (this.cancelled.has(ev.responseId) || this.currentResponse !== ev.responseId) return;
        this.responseDone = true;
        this.timeline.mark('response_done', { responseId: ev.responseId });
        if (this.cfg.downstream === 'stream') {
          if (this.prebuffer) this.streamOut(Buffer.concat(this.prebuffer));
          this.prebuffer = null;
          this.maybeAgentStopped();
        }
        if (this.cfg.downstream === 'file') {
          const rest = this.segmenter!.flush();
          if (rest) void this.enqueueSegment(rest, ev.responseId);
          else this.maybeAgentStopped();
        }
        return;
      case 'warning':
        this.log.warn({ code: ev.code, message: ev.message }, 'provider warning');
        return;
      case 'error':
        this.log.error({ code: ev.code, message: ev.message, fatal: ev.fatal }, 'provider error');
        if (ev.fatal) void this.providerLost(session, `${ev.code}: ${ev.message}`);
        return;
      case 'closed':
        if (!ev.expected) void this.providerLost(session, ev.reason);
        return;
    }
  }

  private beginResponse(responseId: string, text?: string): void {
    if (this.currentResponse === responseId) return;
    this.currentResponse = responseId;
    this.responseDone = false;
    this.responsesSeen++;
    this.segmenter?.reset();
    this.downsampler = null;
    this.prebuffer = this.cfg.downstream === 'stream' && this.cfg.streaming.jitterBufferMs > 0 ? [] : null;
    this.timeline.mark('response_started', { responseId, text, greeting: this.responsesSeen === 1 && this.turn.endOfSpeechAt === null });
  }

  private onAgentAudio(pcm: Buffer, sampleRate: number): void {
    let audio = pcm;
    if (sampleRate !== this.rate) {
      if (this.downsampler?.fromRate !== sampleRate) this.downsampler = new StreamingResampler(sampleRate, this.rate);
      audio = this.downsampler.push(pcm);
    }
    if (this.cfg.downstream === 'stream') {
      if (this.prebuffer) {
        // Hold the start of a response until jitter_buffer_ms is there, so a TTS that stalls
        // briefly does not leave holes in what the caller hears.
        this.prebuffer.push(audio);
        const ms = (this.prebuffer.reduce((n, b) => n + b.length, 0) / 2 / this.rate) * 1000;
        if (ms < this.cfg.streaming.jitterBufferMs) return;
        audio = Buffer.concat(this.prebuffer);
        this.prebuffer = null;
      }
      this.streamOut(audio);
      return;
    }
    for (const seg of this.segmenter!.push(audio)) void this.enqueueSegment(seg, this.currentResponse!);
  }

  private streamOut(audio: Buffer): void {
    if (audio.length === 0) return;
    const conn = this.audio!;
    const now = this.deps.now();
    const startAt = now + conn.queuedMs;
    conn.write(audio, this.rate);
    this.playout.schedule(startAt, audio, this.rate);
    if (!this.bargeIn.agentSpeaking) this.agentStarted(startAt);
  }

  /**
   * Writes a segment and queues it. Writes are chained so segments play in the order they were
   * cut, whatever order the file system finishes them in.
   */
  private enqueueSegment(pcm: Buffer, responseId: string): Promise<void> {
    this.pendingWrites++;
    this.writeChain = this.writeChain.then(async () => {
      try {
        const media = await this.writeMedia(pcm, this.rate);
        if (this.state !== 'talking' || this.cancelled.has(responseId)) {
          await this.removeMedia(media);
          return;
        }
        this.queue.push({ media, pcm, rate: this.rate, responseId });
      } catch (err) {
        this.log.error({ err: errMsg(err) }, 'writing agent audio to the media dir failed');
      } finally {
        this.pendingWrites--;
      }
      this.playNext();
    });
    return this.writeChain;
  }

  private playNext(): void {
    if (this.playing || this.state !== 'talking') return;
    const next = this.queue.shift();
    if (!next) {
      // The player is free: whatever the provider delivered meanwhile becomes the next file at
      // once, rather than waiting for a full segment (fewer gaps, lower latency).
      const responseId = this.currentResponse;
      const ready = this.pendingWrites === 0 && responseId && !this.cancelled.has(responseId) ? this.segmenter?.drain() : null;
      if (ready && responseId) {
        void this.enqueueSegment(ready, responseId);
        return;
      }
      return this.maybeAgentStopped();
    }
    const playbackId = `${this.idPrefix}-pb-${next.media.name.split('-').pop()}`;
    this.playing = { ...next, playbackId, startedAt: null };
    this.deps.hooks?.ownPlayback?.(playbackId);
    let target = this.callerId;
    this.voiceReady
      .then(() => this.deps.ari.play((target = this.playTarget), { playbackId, media: next.media.uri }))
      .catch((err) => {
      if (this.playing?.playbackId !== playbackId) return;
      if (target === this.voiceId && this.deps.isNotFound(err)) {
        // The whisper snoop is gone: e.g. it was made while the ARI events socket was down, so
        // it could not enter the app and was hung up. Play to the caller from now on.
        this.voiceCreated = false;
        this.log.warn({ err: errMsg(err) }, 'whisper snoop for playback gone; playing to the caller (no barge-in while the agent speaks)');
        this.playing = null;
        this.queue.unshift(next);
        return this.playNext();
      }
      this.log.error({ uri: next.media.uri, err: errMsg(err) }, 'play request failed');
      void this.onPlaybackFinished('failed');
    });
  }

  private onPlaybackStarted(): void {
    const p = this.playing!;
    const now = this.deps.now();
    p.startedAt = now;
    this.playout.schedule(now, p.pcm, p.rate);
    if (!this.bargeIn.agentSpeaking) this.agentStarted(now);
  }

  private agentStarted(at: number): void {
    const greeting = this.turn.endOfSpeechAt === null && this.responsesSeen <= 1;
    this.bargeIn.agentStarted(at, { greeting });
    this.timeline.mark('agent_audio_start', { greeting });
    if (this.turn.heardAt === null) {
      this.turn.heardAt = at;
      if (this.turn.endOfSpeechAt !== null) {
        const timing: TurnTiming = {
          responseMs: at - this.turn.endOfSpeechAt,
          providerMs: (this.turn.firstChunkAt ?? at) - this.turn.endOfSpeechAt,
          engineMs: at - (this.turn.firstChunkAt ?? at),
        };
        this.timeline.turn(timing);
        this.deps.hooks?.turn?.(timing);
      }
    }
  }

  private async onPlaybackFinished(state: string): Promise<void> {
    const p = this.playing;
    if (!p) return;
    this.playing = null;
    if (state === 'failed') {
      this.log.error({ uri: p.media.uri, playbackId: p.playbackId }, 'playback failed; continuing without it');
      this.timeline.mark('playback_failed', { uri: p.media.uri });
    }
    await this.removeMedia(p.media);
    this.playNext();
  }

  private maybeAgentStopped(): void {
    if (this.playing || this.queue.length > 0 || this.pendingWrites > 0 || !this.responseDone) return;
    if (this.cfg.downstream === 'stream') {
      // Streamed audio is heard until the last queued frame has gone out.
      const left = this.playout.endMs - this.deps.now();
      if (left > 0) {
        clearTimeout(this.streamEndTimer);
        this.streamEndTimer = setTimeout(() => this.maybeAgentStopped(), left + FRAME_MS);
        this.streamEndTimer.unref?.();
        return;
      }
    }
    if (this.bargeIn.agentSpeaking) {
      this.bargeIn.agentStopped();
      this.timeline.mark('agent_audio_end');
    }
  }

  private agentInterruptible(now: number): boolean {
    // The VAD path's time guards, without its level tests: the provider already heard speech.
    const started = this.timeline.lastMark('agent_audio_start');
    if (!this.cfg.bargeIn.enabled) return false;
    if (started && started.data?.greeting && this.cfg.bargeIn.protectGreeting) return false;
    return !started || now >= started.at + this.cfg.bargeIn.protectionWindowMs;
  }

  private async doBargeIn(onsetMs: number, source: 'vad' | 'provider'): Promise<void> {
    const decidedAt = this.deps.now();
    const responseId = this.currentResponse;
    if (responseId) this.cancelled.add(responseId);
    this.bargeIn.agentStopped();
    this.playout.clear();
    this.segmenter?.reset();
    this.prebuffer = null;
    clearTimeout(this.streamEndTimer);
    this.provider?.cancelResponse();
    const dropped = this.queue.splice(0);
    const playing = this.playing;
    this.playing = null;
    let stoppedAt = this.deps.now();
    if (this.cfg.downstream === 'stream') {
      this.audio?.clearQueue();
    } else if (playing) {
      try {
        await this.deps.ari.stopPlayback(playing.playbackId);
      } catch (err) {
        if (!this.deps.isNotFound(err)) this.log.warn({ err: errMsg(err) }, 'stopping playback for barge-in failed');
      }
      stoppedAt = this.deps.now();
    }
    // From the first frame of the caller's speech to the agent stopping, and the part of it the
    // engine spends after deciding (the rest is the detector waiting to be sure it is speech).
    const latencyMs = stoppedAt - onsetMs;
    const cancelMs = stoppedAt - decidedAt;
    this.log.info({ source, responseId, latencyMs: round(latencyMs), cancelMs: round(cancelMs), droppedSegments: dropped.length }, 'barge-in: agent stopped');
    this.timeline.mark('barge_in', { source, latencyMs: round(latencyMs), cancelMs: round(cancelMs) });
    this.deps.hooks?.bargeIn?.(latencyMs, cancelMs);
    await Promise.all([...dropped.map((d) => d.media), ...(playing ? [playing.media] : [])].map((m) => this.removeMedia(m)));
  }

  private async providerLost(session: ProviderSession, reason: string): Promise<void> {
    if (session !== this.provider || this.state !== 'talking') return;
    this.provider = null;
    this.timeline.mark('provider_lost', { reason });
    this.log.error({ reason }, 'provider session lost');
    await session.close().catch(() => undefined);
    this.providerIndex++;
    if (this.providerIndex < this.deps.providers.length) {
      this.log.warn({ next: this.deps.providers[this.providerIndex].name }, 'switching to fallback provider');
      await this.openProvider();
      return;
    }
    await this.apologizeAndHangUp(reason);
  }

  /** A dead provider must never leave the caller in silence. */
  private async apologizeAndHangUp(reason: string): Promise<void> {
    if (this.state !== 'talking') return;
    const uri = this.cfg.apologyMedia;
    if (uri) {
      this.log.warn({ uri, reason }, 'playing apology and hanging up');
      this.timeline.mark('apology', { uri });
      const playbackId = `${this.idPrefix}-apology`;
      this.deps.hooks?.ownPlayback?.(playbackId);
      // The caller hears it out: hang up when it finishes (or fails), or after a bound.
      const finished = new Promise<void>((resolve) => {
        this.apology = { playbackId, finished: resolve };
        setTimeout(resolve, APOLOGY_MAX_MS).unref();
      });
      await this.quietly('play apology', async () => {
        await this.voiceReady;
        // Not queued behind the carrier's minute of silence.
        await this.carrier?.stop();
        await this.deps.ari.play(this.playTarget, { playbackId, media: uri });
      });
      await finished;
    }
    this.fire({ type: 'failed', reason: `provider unavailable: ${reason}` });
  }

  // ── teardown ─────────────────────────────────────────────────────────────────────────────

  private async teardown(cause: CallEvent): Promise<void> {
    const reason = 'reason' in cause ? cause.reason : cause.type;
    this.log.info({ reason }, 'ending call');
    for (const release of [...this.stasisWaiters.values()]) release();
    this.pendingBind?.cancel();
    this.pendingBind = null;
    this.stopGapFill?.();
    this.stopGapFill = null;
    clearTimeout(this.streamEndTimer);
    const provider = this.provider;
    this.provider = null;
    const audio = this.audio;
    this.audio = null;
    this.queue = [];
    const playing = this.playing;
    this.playing = null;

    if (provider) await this.quietly('close provider', () => provider.close());
    audio?.close();
    const callerUp = cause.type !== 'hangup' || !/^caller /.test(reason);
    if (playing && callerUp) await this.quietly('stop playback', () => this.deps.ari.stopPlayback(playing.playbackId));
    await this.carrier?.stop(callerUp);
    if (this.snoopCreated) await this.quietly('hang up snoop', () => this.deps.ari.hangup(this.snoopId));
    await this.voiceReady;
    if (this.voiceCreated) await this.quietly('hang up whisper snoop', () => this.deps.ari.hangup(this.voiceId));
    if (this.extCreated) await this.quietly('hang up externalMedia leg', () => this.deps.ari.hangup(this.extId));
    if (this.bridgeCreated) await this.quietly('destroy bridge', () => this.deps.ari.destroyBridge(this.bridgeId));
    // Channels we tried to create may exist even if the request that made them failed late.
    if (!this.snoopCreated && this.transport === 'legacy') await this.quietly('hang up snoop', () => this.deps.ari.hangup(this.snoopId));
    await this.quietly('hang up caller', () => this.deps.ari.hangup(this.callerId));
    await Promise.all([...this.written].map((m) => this.removeMedia(m)));
    await this.quietly('sweep media', () => this.deps.media.sweep(this.callId).then(() => undefined));

    const summary = this.timeline.summary();
    this.log.info({ ...summary, reason }, 'call ended');
    this.deps.hooks?.ended?.(summary);
    this.fire({ type: 'cleaned' });
  }

  /** Writes audio to the media dir as this call's next file, remembered for teardown. */
  private async writeMedia(pcm: Buffer, rate: number): Promise<StoredMedia> {
    const media = await this.deps.media.write(this.callId, ++this.seq, pcm, rate);
    this.written.add(media);
    return media;
  }

  private async removeMedia(m: StoredMedia): Promise<void> {
    this.written.delete(m);
    await this.quietly('delete media file', () => this.deps.media.remove(m));
  }

  private async callerAlive(): Promise<boolean> {
    try {
      await this.deps.ari.getChannel(this.callerId);
      return true;
    } catch {
      return false;
    }
  }

  /** Runs a teardown step; a 404 means already gone, anything else is logged and counted. */
  private async quietly(what: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      if (this.deps.isNotFound(err)) return;
      this.log.warn({ what, err: errMsg(err) }, 'cleanup step failed');
      this.deps.hooks?.cleanupFailure?.(what, err);
    }
  }

  /** The teardown promise, for tests and the drain. */
  get teardownPromise(): Promise<void> | null {
    return this.ending;
  }
}

function errMsg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
