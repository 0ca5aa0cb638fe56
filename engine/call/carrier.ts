/**
 * Keeps frames flowing to a caller who is not in a bridge, so that a whisper snoop is heard.
 *
 * Asterisk mixes a snoop's whisper into the frames written to the snooped channel, and has
 * nothing to mix into when none are written: in trace s12 a 440 Hz whisper reached the caller
 * only while the caller's channel played `sound:ai-silence`, never while it sat idle in Stasis.
 * On the snoop path (`audio_transport: legacy`) the caller is alone in Stasis, so with
 * `downstream_mode: stream` (replies whispered through the snoop) the engine plays silence to the
 * caller for as long as it may speak. On the AudioSocket path the bridge keeps frames flowing and
 * no carrier is needed.
 *
 * One short silence file is written per call and played as a list of itself (one ARI request for
 * a minute, no gap between the items); when the list finishes it is played again.
 */
import type { Logger } from 'pino';

/** Length of the silence file, and how many times one playback lists it. */
export const CARRIER_FILE_MS = 2000;
export const CARRIER_REPEATS = 30;
const CARRIER_RATE = 8000;

export interface CarrierPorts {
  /** Writes linear16 audio to the media dir; resolves with the sound: URI to play. */
  write(pcm: Buffer, rate: number): Promise<string>;
  play(playbackId: string, media: string): Promise<unknown>;
  stop(playbackId: string): Promise<unknown>;
  /** A playback id about to be used (so its events are routed back here). */
  own(playbackId: string): void;
}

export class SilenceCarrier {
  private running = false;
  private uri: string | undefined;
  private current: string | undefined;
  /** The current round's play request is not answered yet. */
  private pending = false;
  private callerUp = true;
  private round = 0;

  constructor(
    private readonly idPrefix: string,
    private readonly ports: CarrierPorts,
    private readonly log: Logger,
  ) {}

  get active(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.uri ??= await this.ports.write(Buffer.alloc((CARRIER_RATE * CARRIER_FILE_MS * 2) / 1000), CARRIER_RATE);
    } catch (err) {
      this.running = false;
      this.log.error({ err: (err as Error).message }, 'writing the silence carrier failed; streamed replies may not be heard');
      return;
    }
    await this.playRound();
  }

  /** A PlaybackFinished: true when it was the carrier's (which then starts its next round). */
  finished(playbackId: string): boolean {
    if (playbackId !== this.current) return false;
    this.current = undefined;
    if (this.running) void this.playRound();
    return true;
  }

  /** Stops the carrier (before a file is played to the caller, or at teardown). */
  async stop(callerUp = true): Promise<void> {
    this.running = false;
    this.callerUp = callerUp;
    const id = this.current;
    // A round whose request is in flight is stopped by playRound() once it is answered: a stop
    // sent now could overtake the play.
    if (id === undefined || this.pending) return;
    this.current = undefined;
    if (callerUp) await this.ports.stop(id).catch(() => undefined);
  }

  private async playRound(): Promise<void> {
    if (!this.running || this.uri === undefined) return;
    const id = `${this.idPrefix}-carrier-${++this.round}`;
    this.ports.own(id);
    this.current = id;
    this.pending = true;
    try {
      await this.ports.play(id, Array.from({ length: CARRIER_REPEATS }, () => this.uri).join(','));
    } catch (err) {
      if (this.current === id) this.current = undefined;
      if (this.running) this.log.warn({ err: (err as Error).message }, 'silence carrier playback failed');
      this.running = false;
      return;
    } finally {
      this.pending = false;
    }
    if (!this.running && this.current === id) {
      this.current = undefined;
      if (this.callerUp) await this.ports.stop(id).catch(() => undefined);
    }
  }
}
