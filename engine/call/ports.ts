/**
 * What a call session needs from the outside world, as narrow interfaces. The engine wires the
 * real ARI client and AudioSocket server in; tests can wire the simulator in. Keeping the session
 * off the concrete clients keeps its logic readable and its dependencies explicit.
 */
import type { Bridge, Channel, Playback } from '../ari/models.js';

export interface CallAri {
  answer(channelId: string): Promise<void>;
  hangup(channelId: string, reason?: string): Promise<void>;
  getChannel(channelId: string): Promise<Channel>;
  setVariable(channelId: string, name: string, value: string): Promise<void>;
  createBridge(bridgeId: string): Promise<Bridge>;
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  externalMedia(params: {
    app: string;
    channelId: string;
    externalHost: string;
    format: 'slin' | 'slin16';
    data: string;
  }): Promise<Channel>;
  snoop(
    channelId: string,
    params: { snoopId: string; app: string; appArgs: string; spy: 'none' | 'in' | 'out' | 'both'; whisper: 'none' | 'in' | 'out' | 'both' },
  ): Promise<Channel>;
  continueInDialplan(channelId: string, params: { context: string; extension: string; priority: number }): Promise<void>;
  play(channelId: string, params: { playbackId: string; media: string }): Promise<Playback>;
  stopPlayback(playbackId: string): Promise<void>;
}

/** True for an ARI 404: the thing is already gone, which teardown treats as success. */
export type IsNotFound = (err: unknown) => boolean;

/** A bound AudioSocket connection, as the call sees it. */
export interface BoundAudio {
  readonly uuid: string;
  /** The rate of the frames Asterisk sends (0x10 → 8000, 0x12 → 16000, ...), once known. */
  readonly rate: number;
  onAudio(listener: (pcm: Buffer, rate: number) => void): void;
  onDtmf(listener: (digit: string) => void): void;
  onClose(listener: (reason: string) => void): void;
  /** Queues agent audio (linear16 at `rate`) to be paced out in 20 ms frames. */
  write(pcm: Buffer, rate: number): void;
  /** Drops queued agent audio (barge-in); returns the milliseconds dropped. */
  clearQueue(): number;
  readonly queuedMs: number;
  close(): void;
}

export interface AudioBinder {
  /**
   * Waits for the connection that announces this UUID; rejects on timeout or cancel. `rate` is
   * what Asterisk will send (slin16 externalMedia: 16000; a dialplan AudioSocket: 8000).
   */
  expect(uuid: string, timeoutMs: number, rate: number): { bound: Promise<BoundAudio>; cancel(): void };
}
