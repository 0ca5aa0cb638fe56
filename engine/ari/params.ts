/**
 * Parameters of the ARI requests the engine makes, named as ARI names its query parameters
 * (Asterisk 22 res/ari). Undefined fields are left out of the request.
 */

export interface OriginateParams {
  endpoint: string;
  extension?: string;
  context?: string;
  priority?: number;
  label?: string;
  app?: string;
  appArgs?: string;
  callerId?: string;
  timeout?: number;
  channelId?: string;
  otherChannelId?: string;
  originator?: string;
  /** e.g. "slin" or "slin16,ulaw": the formats a Local channel runs at (trace s14). */
  formats?: string;
  /** Sent as the JSON body; inherited by the ;2 half of a Local channel (trace s3). */
  variables?: Record<string, string>;
}

export interface SnoopParams {
  app: string;
  spy?: 'none' | 'both' | 'out' | 'in';
  whisper?: 'none' | 'both' | 'out' | 'in';
  appArgs?: string;
  /** Client-chosen id of the snoop channel. */
  snoopId?: string;
}

export interface ContinueParams {
  context?: string;
  extension?: string;
  priority?: number;
  label?: string;
}

export interface PlayParams {
  /** One URI or several, played in order (sent comma-separated). */
  media: string | string[];
  lang?: string;
  offsetms?: number;
  skipms?: number;
  /** Client-chosen playback id. */
  playbackId?: string;
}

export interface RecordParams {
  name: string;
  format: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  ifExists?: 'fail' | 'overwrite' | 'append';
  beep?: boolean;
  terminateOn?: 'none' | 'any' | '*' | '#';
}

export interface ExternalMediaParams {
  app: string;
  channelId?: string;
  /** host:port Asterisk connects to, e.g. "127.0.0.1:8090". */
  external_host: string;
  encapsulation?: 'rtp' | 'audiosocket';
  transport?: 'udp' | 'tcp';
  connection_type?: 'client' | 'server';
  /** e.g. "slin16": the AudioSocket frames then carry kind 0x12 (trace s9). */
  format: string;
  direction?: 'both' | 'in' | 'out';
  /** For audiosocket: the UUID sent as the first frame. */
  data?: string;
  /** Sent as the JSON body. */
  variables?: Record<string, string>;
}

export interface BridgeCreateParams {
  type?: string;
  bridgeId?: string;
  name?: string;
}

export interface AddChannelParams {
  role?: string;
  absorbDTMF?: boolean;
  mute?: boolean;
  inhibitConnectedLineUpdates?: boolean;
}
