/**
 * One simulated channel: the state ARI shows (snapshot), its variables, where it is in the
 * dialplan, which applications hear about it, and its media plumbing.
 *
 * Media follows Asterisk's model. The channel technology (`tech`) delivers what the far end says
 * with `deliverRead` and carries what Asterisk sends with `tech.write`. Whoever currently owns
 * the channel (a dialplan app, a bridge, Stasis idling) consumes reads through `reader`; audio
 * hooks (snoop spies, whisper, MixMonitor, ARI record) tap both directions like audiohooks.
 */
import type { CallerId, Channel, ChannelState, DialplanCep } from '../../engine/ari/models.js';
import type { DialplanLocation } from './core.js';
import type { MediaFrame } from './media.js';

export type ChannelKind = 'local' | 'audiosocket' | 'snoop';

export interface ChannelTech {
  /** Audio Asterisk sends towards the channel's far end. */
  write(frame: MediaFrame): void;
  /** A DTMF digit Asterisk sends towards the far end (ARI /dtmf). */
  sendDtmf(digit: string, durationMs: number): void;
  /** The channel is gone: release sockets and peers. Called once. */
  destroy(): void;
}

/** The current consumer of what the channel reads. */
export interface FrameReader {
  onFrame(frame: MediaFrame): void;
  onDtmf?(digit: string, durationMs: number): void;
}

/**
 * A tap on the channel's audio, like an Asterisk audiohook. onRead/onWrite may return a
 * replacement frame (whisper mixes into the stream) or nothing (spy, record: look only).
 */
export interface AudioHook {
  onRead?(frame: MediaFrame): MediaFrame | void;
  onWrite?(frame: MediaFrame): MediaFrame | void;
  onDtmf?(digit: string): void;
}

export interface StasisState {
  app: string;
  args: string[];
  /** Entered from the dialplan app Stasis() (rather than by originate/snoop/externalMedia). */
  viaDialplan: boolean;
}

export interface ChannelInit {
  id: string;
  name: string;
  kind: ChannelKind;
  state: ChannelState;
  dialplan: DialplanCep;
  /** Created by a dial (Local ;1, AudioSocket): ChannelDestroyed shows AppDial2 again. */
  outgoing: boolean;
  nativeRate: number;
  /** See LossyAudioSocketWrites in dialplan/exec-audiosocket.ts (trace s14). */
  lossyAudioSocketWrites: boolean;
  language?: string;
}

export class SimChannel {
  readonly id: string;
  readonly name: string;
  readonly kind: ChannelKind;
  readonly outgoing: boolean;
  readonly creationtime: string;
  readonly language: string;
  readonly nativeRate: number;
  readonly lossyAudioSocketWrites: boolean;
  state: ChannelState;
  caller: CallerId = { name: '', number: '' };
  connected: CallerId = { name: '', number: '' };
  dialplan: DialplanCep;
  readonly vars = new Map<string, string>();
  /** Apps subscribed for the channel's whole life (originator, externalMedia app). */
  readonly apps = new Set<string>();
  stasis: StasisState | undefined;
  /** A dialplan is running on the channel (exec.ts). */
  pbxRunning = false;
  /** The channel entered Stasis without a dialplan (originate app, snoop, externalMedia). */
  directStasis = false;
  hangupCause = 0;
  hangupRequested = false;
  destroyed = false;
  private readonly abort = new AbortController();

  tech: ChannelTech | undefined;
  reader: FrameReader | null = null;
  hooks: AudioHook[] = [];
  /** Set by bridge.ts while the channel is a member. */
  bridgeId: string | undefined;
  /** While a channel playback runs in a bridge, the bridge neither reads from nor writes to it. */
  bridgeSuspended = false;
  localPeer: SimChannel | undefined;
  readonly snoops = new Set<SimChannel>();
  snoopTarget: SimChannel | undefined;
  /**
   * Set while the dialplan app Stasis() waits: called with where to continue (ARI continue) or
   * undefined (the channel left Stasis because it is hanging up).
   */
  stasisExit: ((to: DialplanLocation | undefined) => void) | undefined;
  /** For an outgoing channel being dialed: what happens once the far end answers. */
  onAnswered: (() => void) | undefined;
  /** Counts frames read, for Answer()'s wait for the first voice frame. */
  private voiceWaiters: (() => void)[] = [];
  /** Cleanups run when the channel is destroyed (MixMonitor, timers…). */
  readonly onDestroy: (() => void)[] = [];

  constructor(init: ChannelInit) {
    this.id = init.id;
    this.name = init.name;
    this.kind = init.kind;
    this.state = init.state;
    this.dialplan = { ...init.dialplan };
    this.outgoing = init.outgoing;
    this.nativeRate = init.nativeRate;
    this.lossyAudioSocketWrites = init.lossyAudioSocketWrites;
    this.language = init.language ?? 'en';
    this.creationtime = ariTimestampNow();
  }

  /** Aborted when a hangup is requested: every app running on the channel listens to it. */
  get hangupSignal(): AbortSignal {
    return this.abort.signal;
  }

  markHangupRequested(): void {
    this.hangupRequested = true;
    if (!this.abort.signal.aborted) this.abort.abort();
  }

  get alive(): boolean {
    return !this.destroyed;
  }

  /** The apps this channel's events go to now. */
  route(): Set<string> {
    const apps = new Set(this.apps);
    if (this.stasis) apps.add(this.stasis.app);
    return apps;
  }

  snapshot(dialplanOverride?: Partial<DialplanCep>): Channel {
    return {
      id: this.id,
      name: this.name,
      state: this.state,
      protocol_id: '',
      caller: { ...this.caller },
      connected: { ...this.connected },
      accountcode: '',
      dialplan: { ...this.dialplan, ...dialplanOverride },
      creationtime: this.creationtime,
      language: this.language,
    };
  }

  // ---- media ----

  /** The far end said something: hooks see it, then the current reader. */
  deliverRead(frame: MediaFrame): void {
    if (this.destroyed) return;
    let f = frame;
    for (const hook of this.hooks) {
      if (hook.onRead) f = hook.onRead(f) ?? f;
    }
    if (this.voiceWaiters.length > 0) this.releaseVoiceWaiters();
    this.reader?.onFrame(f);
  }

  /** Asterisk sends audio to the far end: hooks see (and may whisper into) it, then the tech. */
  write(frame: MediaFrame): void {
    if (this.destroyed || !this.tech) return;
    let f = frame;
    for (const hook of this.hooks) {
      if (hook.onWrite) f = hook.onWrite(f) ?? f;
    }
    this.tech.write(f);
  }

  /** A DTMF digit read from the far end (the ChannelDtmfReceived event is the caller's job). */
  deliverDtmf(digit: string, durationMs: number): void {
    if (this.destroyed) return;
    for (const hook of this.hooks) hook.onDtmf?.(digit);
    this.reader?.onDtmf?.(digit, durationMs);
  }

  addHook(hook: AudioHook): () => void {
    this.hooks = [...this.hooks, hook];
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** Resolves at the next frame read from the far end (Answer() waits for it, up to 500 ms). */
  waitForVoice(): Promise<void> {
    return new Promise((resolve) => this.voiceWaiters.push(resolve));
  }

  private releaseVoiceWaiters(): void {
    const waiters = this.voiceWaiters;
    this.voiceWaiters = [];
    for (const w of waiters) w();
  }

  /** Drops references that would keep a destroyed channel's peers alive. */
  release(): void {
    this.reader = null;
    this.hooks = [];
    this.releaseVoiceWaiters();
    this.tech = undefined;
    this.localPeer = undefined;
    this.snoopTarget = undefined;
    this.snoops.clear();
  }
}

function ariTimestampNow(): string {
  return new Date().toISOString().replace('Z', '+0000');
}
