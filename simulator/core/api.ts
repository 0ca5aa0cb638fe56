/**
 * The contract between the simulated PBX model (simulator/core) and its ARI façade
 * (simulator/ari). The façade turns HTTP/WebSocket into these calls; the model is Asterisk's
 * state and media. Model methods throw AriError for what Asterisk answers with a 4xx/5xx, with
 * Asterisk's own status and message (res/ari/resource_*.c), e.g. new AriError(404, 'Channel not found').
 */
import type {
  AsteriskInfo,
  Bridge,
  Channel,
  LiveRecording,
  Module,
  PbxEvent,
  Playback,
  StoredRecording,
} from '../../engine/ari/models.js';
import type { BridgeCreateParams, ContinueParams, OriginateParams, SnoopParams } from '../../engine/ari/params.js';

// Parameter shapes shared with the engine's ARI client. Play, record and externalMedia keep their
// own, looser forms below: the façade passes HTTP input through as strings and lists.
export type { BridgeCreateParams, ContinueParams, OriginateParams, SnoopParams };

export class AriError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'AriError';
    this.status = status;
  }
}

export interface PlayParams {
  media: string[];
  lang?: string;
  offsetms?: number;
  skipms?: number;
  playbackId?: string;
}

export interface RecordParams {
  name: string;
  format: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  ifExists?: 'fail' | 'overwrite' | 'append';
  beep?: boolean;
  terminateOn?: string;
}

export interface ExternalMediaParams {
  app: string;
  channelId?: string;
  external_host: string;
  encapsulation?: 'rtp' | 'audiosocket' | string;
  transport?: 'udp' | 'tcp' | string;
  connection_type?: 'client' | 'server' | string;
  format: string;
  direction?: string;
  data?: string;
  variables?: Record<string, string>;
}

/**
 * Which applications an event goes to. Asterisk delivers an event to the apps subscribed to the
 * channel/bridge it concerns (an app subscribes by owning it in Stasis, originating it with `app`,
 * or creating the bridge); sockets opened with subscribeAll=true get every event.
 */
export interface EventRoute {
  apps: ReadonlySet<string>;
}

export type PbxEventListener = (event: PbxEvent, route: EventRoute) => void;

export interface Pbx {
  /** e.g. "02:fc:00:00:00:01" */
  readonly asteriskId: string;

  onEvent(listener: PbxEventListener): () => void;

  /** The ARI layer reports when an app's events WebSocket connects/disconnects. Stasis() needs it. */
  registerApp(app: string): void;
  unregisterApp(app: string): void;

  // channels
  listChannels(): Channel[];
  getChannel(id: string): Channel;
  originate(params: OriginateParams): Channel;
  hangup(id: string, reason?: string): void;
  answer(id: string): void;
  getVariable(id: string, name: string): string;
  setVariable(id: string, name: string, value: string): void;
  snoop(id: string, params: SnoopParams): Channel;
  continueInDialplan(id: string, params: ContinueParams): void;
  play(id: string, params: PlayParams): Playback;
  record(id: string, params: RecordParams): LiveRecording;
  sendDtmf(id: string, dtmf: string, durationMs?: number): void;
  externalMedia(params: ExternalMediaParams): Channel;

  // bridges
  listBridges(): Bridge[];
  getBridge(id: string): Bridge;
  createBridge(params: BridgeCreateParams): Bridge;
  addChannel(bridgeId: string, channelIds: string[]): void;
  removeChannel(bridgeId: string, channelIds: string[]): void;
  destroyBridge(id: string): void;
  playOnBridge(id: string, params: PlayParams): Playback;

  // playbacks
  getPlayback(id: string): Playback;
  stopPlayback(id: string): void;

  // recordings
  getLiveRecording(name: string): LiveRecording;
  stopLiveRecording(name: string): void;
  listStoredRecordings(): StoredRecording[];
  getStoredRecording(name: string): StoredRecording;
  /** Absolute path of the stored recording's file, for GET /recordings/stored/{name}/file. */
  storedRecordingFile(name: string): { path: string; contentType: string };
  deleteStoredRecording(name: string): void;

  // asterisk
  info(): AsteriskInfo;
  getModule(name: string): Module;
  /** GET /asterisk/modules (additive). */
  listModules?(): Module[];

  /**
   * externalMedia that resolves once the AudioSocket connection is up, and rejects with
   * AriError 500 when it cannot be made, as Asterisk answers the HTTP request (additive; the
   * synchronous externalMedia() returns at once and hangs the channel up if the connect fails).
   */
  externalMediaAsync?(params: ExternalMediaParams): Promise<Channel>;

  /** Fault injection for the control API (additive). */
  readonly faults?: SimFaults;

  /** Stops timers, closes AudioSocket connections, hangs up everything. */
  close(): Promise<void>;
}

/**
 * Faults the simulator can inject for tests and the control API. Channel ids that do not exist
 * throw AriError(404, 'Channel not found').
 */
export interface SimFaults {
  /** Every AudioSocket connect (dialplan app and externalMedia) fails with "Connection refused". */
  refuseAudioSocketConnects(refuse: boolean): void;
  /** Every AudioSocket connect waits this long first (0 = no delay). */
  delayAudioSocketConnects(ms: number): void;
  /**
   * Breaks the channel's AudioSocket connection now, as a network failure: `reset` sends a TCP
   * RST, `close` a FIN. Asterisk sees a read error: the AudioSocket app fails and the channel is
   * hung up; an externalMedia channel is hung up. Returns false when the channel has no
   * AudioSocket connection.
   */
  dropAudioSocket(channelId: string, how?: 'reset' | 'close'): boolean;
  /** Hangs the channel up after `ms`, as ARI DELETE with the cause would (default 16). */
  hangupAfter(channelId: string, ms: number, cause?: number): void;
  /** Back to no faults (pending hangupAfter timers are cancelled, echoes removed). */
  clear(): void;
  /**
   * Acoustic echo on a channel, like a phone on speaker (additive): what the channel hears comes
   * back `delayMs` later, `gainDb` down, in what it sends. Replaces the channel's echo if it had
   * one. AriError 400 for bad parameters.
   */
  setEcho?(channelId: string, echo: { gainDb: number; delayMs: number }): void;
  /** Removes a channel's echo; false when it had none (additive). */
  removeEcho?(channelId: string): boolean;
}

