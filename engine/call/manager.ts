/**
 * Turns the ARI event stream into call sessions.
 *
 * It recognises callers (StasisStart of a channel the engine did not create) and the engine's own
 * channels (snoops and externalMedia legs also enter Stasis: ids with the engine's prefix, or an
 * externalMedia leg whose args carry a UUID), routes events to the session that owns a channel or
 * playback, sweeps what a previous run left, reconciles after an ARI outage, and drains on
 * shutdown.
 */
import type { Logger } from 'pino';
import type { AriEvent, Bridge, Channel } from '../ari/models.js';
import { isUuid } from '../audiosocket/codec.js';
import type { MediaStore } from '../media/store.js';
import type { IsNotFound } from './ports.js';
import { OWN_PREFIX, ownPrefix } from './owner.js';
import { CallSession, type SessionConfig, type SessionDeps, type SessionHooks } from './session.js';

export interface ManagerAri {
  listChannels(): Promise<Channel[]>;
  listBridges(): Promise<Bridge[]>;
  hangup(channelId: string, reason?: string): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  getChannel(channelId: string): Promise<Channel>;
  setVariable(channelId: string, name: string, value: string): Promise<void>;
  /** `continue` with no target: the dialplan's next priority after Stasis(). */
  returnToDialplan(channelId: string): Promise<void>;
}

export interface CallLimits {
  /** Calls at once; 0 = no limit. */
  maxCalls: number;
  /** A caller past maxCalls: hung up (congestion) or sent back to the dialplan. */
  overflow: 'hangup' | 'continue';
}

export interface ManagerDeps {
  ari: ManagerAri;
  isNotFound: IsNotFound;
  media: MediaStore;
  logger: Logger;
  sessionConfig: SessionConfig;
  limits?: CallLimits;
  /**
   * Builds the per-session dependencies. `args` are the caller's Stasis arguments: the dialplan
   * can pick a provider per call with `Stasis(asterisk-ai-voice-agent,provider=deepgram)`.
   */
  sessionDeps(callerId: string, hooks: SessionHooks, args: string[]): SessionDeps;
  hooks?: SessionHooks & {
    callStarted?(session: CallSession): void;
    callEnded?(session: CallSession): void;
    /** A caller turned away: past max_calls, or while draining. */
    callRefused?(reason: 'max_calls' | 'draining'): void;
  };
}

export class CallManager {
  private readonly deps: ManagerDeps;
  private readonly log: Logger;
  private readonly sessions = new Set<CallSession>();
  private readonly byChannel = new Map<string, CallSession>();
  private readonly byPlayback = new Map<string, CallSession>();
  private draining = false;

  constructor(deps: ManagerDeps) {
    this.deps = deps;
    this.log = deps.logger;
  }

  get activeCalls(): number {
    return this.sessions.size;
  }

  get calls(): ReadonlySet<CallSession> {
    return this.sessions;
  }

  /**
   * At start-up, before the app registers: hang up the engine's own channels and callers left in
   * its Stasis app by a previous run, destroy its bridges, and delete its stale media files.
   * Only this engine's (its app's tag in the ids, owner.ts): another engine on the same Asterisk
   * keeps its calls.
   */
  async sweep(): Promise<{ channels: number; bridges: number; files: number }> {
    const app = this.deps.sessionConfig.app;
    const own = ownPrefix(app);
    let channels = 0;
    let bridges = 0;
    for (const ch of await this.deps.ari.listChannels()) {
      const stranded = ch.dialplan.app_name === 'Stasis' && ch.dialplan.app_data.split(',')[0] === app;
      if (!ch.id.startsWith(own) && !stranded) continue;
      if (await this.tolerate(() => this.deps.ari.hangup(ch.id))) channels++;
    }
    for (const br of await this.deps.ari.listBridges()) {
      if (!br.id.startsWith(own)) continue;
      if (await this.tolerate(() => this.deps.ari.destroyBridge(br.id))) bridges++;
    }
    const files = await this.deps.media.sweep();
    this.log.info({ channels, bridges, files, idPrefix: own }, 'start-up sweep done');
    return { channels, bridges, files };
  }

  handleEvent(ev: AriEvent): void {
    if (ev.type === 'StasisStart') {
      // The session waits for its own channels to be in Stasis before using them.
      this.route(ev)?.handleEvent(ev);
      return this.onStasisStart(ev.channel, ev.args);
    }
    const session = this.route(ev);
    session?.handleEvent(ev);
  }

  /** After the events WebSocket comes back: end calls whose caller vanished meanwhile. */
  async reconcile(): Promise<void> {
    for (const s of [...this.sessions]) {
      try {
        await this.deps.ari.getChannel(s.callerId);
      } catch (err) {
        if (this.deps.isNotFound(err)) {
          s.log.warn('caller gone while ARI events were down; ending call');
          void s.end('caller gone (missed while ARI was disconnected)');
        }
      }
    }
  }

  /** SIGTERM: refuse new calls, let live ones finish for up to timeoutMs, then end them. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.log.info({ activeCalls: this.sessions.size, timeoutMs }, 'draining: no new calls');
    const all = Promise.all([...this.sessions].map((s) => s.done));
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'timeout') {
      this.log.warn({ activeCalls: this.sessions.size }, 'drain timeout: ending remaining calls');
      await Promise.all([...this.sessions].map((s) => s.end('engine shutting down')));
    }
  }

  private onStasisStart(channel: Channel, args: string[]): void {
    if (channel.id.startsWith(OWN_PREFIX) || (args.length > 0 && (isUuid(args[0]) || args[0] === 'aiav-snoop'))) {
      // One of ours (externalMedia leg: args=[uuid], trace s9; snoop: our appArgs).
      this.log.debug({ channelId: channel.id, name: channel.name }, 'own channel entered Stasis');
      return;
    }
    if (this.byChannel.has(channel.id)) return;
    if (this.draining) {
      this.log.warn({ channelId: channel.id }, 'draining: refusing new call');
      this.deps.hooks?.callRefused?.('draining');
      void this.tolerate(() => this.deps.ari.hangup(channel.id, 'congestion'));
      return;
    }
    const maxCalls = this.deps.limits?.maxCalls ?? 0;
    if (maxCalls > 0 && this.sessions.size >= maxCalls) {
      void this.refuseOverflow(channel.id, maxCalls);
      return;
    }
    const hooks: SessionHooks = {
      ...this.deps.hooks,
      ownChannel: (id) => this.byChannel.set(id, session),
      ownPlayback: (id) => this.byPlayback.set(id, session),
    };
    const session = new CallSession(channel.id, this.deps.sessionConfig, this.deps.sessionDeps(channel.id, hooks, args));
    this.sessions.add(session);
    this.byChannel.set(channel.id, session);
    session.log.info({ name: channel.name, caller: channel.caller.number }, 'call started');
    this.deps.hooks?.callStarted?.(session);
    void session.done.then(() => this.forget(session));
    void session.start();
  }

  /**
   * Past max_calls a new caller is turned away whole, so the calls already up keep their 20 ms
   * frames: an engine out of CPU degrades every call at once (bench/engine-load.ts).
   */
  private async refuseOverflow(channelId: string, maxCalls: number): Promise<void> {
    const overflow = this.deps.limits?.overflow ?? 'hangup';
    this.log.warn({ channelId, activeCalls: this.sessions.size, maxCalls, overflow }, 'at max_calls: refusing new call');
    this.deps.hooks?.callRefused?.('max_calls');
    if (overflow === 'continue') {
      const sent = await this.tolerate(async () => {
        await this.deps.ari.setVariable(channelId, 'AI_AGENT_REFUSED', 'max_calls');
        await this.deps.ari.returnToDialplan(channelId);
      });
      if (sent) return;
    }
    await this.tolerate(() => this.deps.ari.hangup(channelId, 'congestion'));
  }

  private route(ev: AriEvent): CallSession | undefined {
    if ('playback' in ev) return this.byPlayback.get(ev.playback.id);
    if ('channel' in ev && ev.channel) return this.byChannel.get(ev.channel.id);
    return undefined;
  }

  private forget(session: CallSession): void {
    this.sessions.delete(session);
    for (const [id, s] of this.byChannel) if (s === session) this.byChannel.delete(id);
    for (const [id, s] of this.byPlayback) if (s === session) this.byPlayback.delete(id);
    this.deps.hooks?.callEnded?.(session);
  }

  private async tolerate(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (err) {
      if (!this.deps.isNotFound(err)) this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'ARI request failed (sweep or refusal; going on)');
      return false;
    }
  }
}
