/**
 * Places test calls through ARI, as a telephone would, against the simulator or a real Asterisk.
 *
 * A call is `Local/s@ai-test-call`: the `;2` half runs the ready-made dialplan into the production
 * entry `[ai-voice-agent]` and the engine's Stasis app; the `;1` half is the phone: it runs
 * `[ai-test-phone]` (MixMonitor of what the caller hears and says) and parks in this driver's
 * own Stasis app. Speaking is playing
 * a sound on the phone half (Local halves hand audio to each other); what the caller heard is in
 * the MixMonitor recordings, fetched over ARI once the call is over. Nothing here depends on the
 * simulator: the same driver runs against a real PBX.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { AriClient } from '../../engine/ari/client.js';
import { isNotFound } from '../../engine/ari/errors.js';
import { AriEventStream } from '../../engine/ari/events.js';
import type { AriEvent, Channel } from '../../engine/ari/models.js';

export interface DriverOptions {
  ariUrl: string;
  username: string;
  password: string;
  /** The driver's own Stasis app (not the engine's). */
  app?: string;
  /** Dialplan context the caller half (;2) runs into the engine. */
  context?: string;
  /** Dialplan context of the phone half (;1): records, then enters `app`. */
  phoneContext?: string;
}

export interface PlaceCallOptions {
  callId?: string;
  /** Formats of the Local channel; without one Asterisk runs it at slin192 and loses 6 dB (s14). */
  formats?: string;
  variables?: Record<string, string>;
  /** Time to wait for the call to be answered. */
  answerTimeoutMs?: number;
}

export interface DriverMark {
  at: number;
  what: string;
  data?: Record<string, unknown>;
}

export class CallDriver {
  readonly ari: AriClient;
  private readonly events: AriEventStream;
  private readonly app: string;
  private readonly context: string;
  private readonly phoneContext: string;
  private readonly calls = new Map<string, TestCall>();

  private constructor(opts: DriverOptions) {
    this.app = opts.app ?? 'test-caller';
    this.context = opts.context ?? 'ai-test-call';
    this.phoneContext = opts.phoneContext ?? 'ai-test-phone';
    this.ari = new AriClient({ url: opts.ariUrl, username: opts.username, password: opts.password });
    this.events = new AriEventStream({ url: opts.ariUrl, username: opts.username, password: opts.password, app: this.app, pingIntervalMs: 0 });
    this.events.on('event', (ev) => this.route(ev));
  }

  static async connect(opts: DriverOptions): Promise<CallDriver> {
    const d = new CallDriver(opts);
    d.events.start();
    await d.events.waitConnected(10_000);
    return d;
  }

  async placeCall(opts: PlaceCallOptions = {}): Promise<TestCall> {
    const callId = opts.callId ?? `t${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
    const call = new TestCall(this, callId);
    this.calls.set(call.phoneId, call);
    this.calls.set(call.callerId, call);
    call.mark('originate');
    // Listen first: the phone's StasisStart may come before the originate response does.
    const answered = call.waitFor('answered', opts.answerTimeoutMs ?? 10_000);
    answered.catch(() => undefined);
    await this.ari.channels.originate({
      endpoint: `Local/s@${this.context}`,
      // The phone half records in the dialplan, then parks in this driver's app.
      context: this.phoneContext,
      extension: 's',
      priority: 1,
      channelId: call.phoneId,
      otherChannelId: call.callerId,
      ...(opts.formats ? { formats: opts.formats } : {}),
      variables: { CALL_ID: callId, ...opts.variables },
    });
    await answered;
    return call;
  }

  /** Channels the engine's app owns right now (for leak checks). */
  async channels(): Promise<Channel[]> {
    return this.ari.channels.list();
  }

  async close(): Promise<void> {
    await Promise.all([...new Set(this.calls.values())].map((c) => c.hangup()));
    await this.events.close();
  }

  forget(call: TestCall): void {
    this.calls.delete(call.phoneId);
    this.calls.delete(call.callerId);
  }

  private route(ev: AriEvent): void {
    const id = 'channel' in ev && ev.channel ? ev.channel.id : 'playback' in ev ? ev.playback.target_uri.replace(/^channel:/, '') : undefined;
    if (id) this.calls.get(id)?.onEvent(ev);
  }
}

export class TestCall extends EventEmitter {
  readonly callId: string;
  /** The phone: `;1`, in the driver's Stasis app. */
  readonly phoneId: string;
  /** The caller as the PBX and the engine see it: `;2`, running the dialplan. */
  readonly callerId: string;
  readonly marks: DriverMark[] = [];
  readonly t0 = performance.now();
  private readonly driver: CallDriver;
  private playSeq = 0;
  private hungUp = false;

  constructor(driver: CallDriver, callId: string) {
    super();
    this.driver = driver;
    this.callId = callId;
    this.phoneId = `tc-${callId}-phone`;
    this.callerId = `tc-${callId}-caller`;
  }

  mark(what: string, data?: Record<string, unknown>): void {
    this.marks.push({ at: Math.round((performance.now() - this.t0) * 10) / 10, what, ...(data ? { data } : {}) });
  }

  onEvent(ev: AriEvent): void {
    if (ev.type === 'StasisStart' && ev.channel.id === this.phoneId) {
      this.mark('answered');
      this.emit('answered');
    } else if (ev.type === 'PlaybackStarted' || ev.type === 'PlaybackFinished') {
      this.emit(`${ev.type}:${ev.playback.id}`, ev.playback);
    } else if ((ev.type === 'StasisEnd' || ev.type === 'ChannelDestroyed') && ev.channel.id === this.phoneId) {
      if (!this.hungUp) this.mark('far_end_hangup', { event: ev.type });
      this.hungUp = true;
      this.emit('ended');
    }
  }

  waitFor(event: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, onEv);
        reject(new Error(`${this.callId}: no ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onEv = (v: unknown) => {
        clearTimeout(timer);
        resolve(v);
      };
      this.once(event, onEv);
    });
  }

  get ended(): boolean {
    return this.hungUp;
  }

  /**
   * The caller says something: plays a sound (URI without extension) from the phone into the
   * call and resolves when it has been played.
   */
  async say(media: string, timeoutMs = 30_000): Promise<{ startedAt: number; finishedAt: number }> {
    const playbackId = `tc-${this.callId}-say-${++this.playSeq}`;
    const started = this.waitFor(`PlaybackStarted:${playbackId}`, timeoutMs);
    const finished = this.waitFor(`PlaybackFinished:${playbackId}`, timeoutMs);
    await this.driver.ari.channels.play(this.phoneId, { media, playbackId });
    await started;
    const startedAt = this.elapsed();
    this.mark('caller_says', { media });
    const pb = (await finished) as { state: string };
    const finishedAt = this.elapsed();
    this.mark('caller_said', { media, state: pb.state });
    if (pb.state !== 'done') throw new Error(`${this.callId}: caller playback of ${media} ended ${pb.state}`);
    return { startedAt, finishedAt };
  }

  async sendDtmf(digits: string): Promise<void> {
    await this.driver.ari.json('POST', `/channels/${encodeURIComponent(this.phoneId)}/dtmf`, { query: { dtmf: digits } });
    this.mark('dtmf', { digits });
  }

  async hangup(): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    this.mark('caller_hangup');
    try {
      await this.driver.ari.channels.hangup(this.phoneId);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.driver.forget(this);
  }

  /**
   * The MixMonitor recordings of this call: what the caller heard and said (complete only after
   * hangup, when MixMonitor closes them).
   */
  async recordings(timeoutMs = 5000): Promise<{ heard: Buffer; said: Buffer }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      try {
        const [heard, said] = await Promise.all([
          this.driver.ari.recordings.stored.file(`call-${this.callId}-heard`),
          this.driver.ari.recordings.stored.file(`call-${this.callId}-said`),
        ]);
        return { heard, said };
      } catch (err) {
        if (!isNotFound(err) || performance.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async deleteRecordings(): Promise<void> {
    for (const name of [`call-${this.callId}`, `call-${this.callId}-heard`, `call-${this.callId}-said`]) {
      try {
        await this.driver.ari.recordings.stored.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** ms since the call was placed. */
  elapsed(): number {
    return performance.now() - this.t0;
  }
}
