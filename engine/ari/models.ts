/**
 * ARI data models and events, typed as Asterisk 22 sends them (field shapes taken from the
 * recorded traces in fixtures/traces). Shared by the engine's ARI client and the simulator.
 */

export type ChannelState =
  | 'Down'
  | 'Rsrved'
  | 'OffHook'
  | 'Dialing'
  | 'Ring'
  | 'Ringing'
  | 'Up'
  | 'Busy'
  | 'Dialing Offhook'
  | 'Pre-ring'
  | 'Unknown';

export interface CallerId {
  name: string;
  number: string;
}

export interface DialplanCep {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

export interface Channel {
  id: string;
  name: string;
  state: ChannelState;
  protocol_id: string;
  caller: CallerId;
  connected: CallerId;
  accountcode: string;
  dialplan: DialplanCep;
  /** Asterisk's format: 2026-11-26T07:41:42.570+0000 */
  creationtime: string;
  language: string;
  channelvars?: Record<string, string>;
}

export interface Bridge {
  id: string;
  technology: string;
  bridge_type: 'mixing' | 'holding' | string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode: string;
}

export type PlaybackState = 'queued' | 'playing' | 'continuing' | 'done' | 'failed';

export interface Playback {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  target_uri: string;
  language: string;
  state: PlaybackState;
}

export type RecordingState = 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';

export interface LiveRecording {
  name: string;
  format: string;
  state: RecordingState;
  target_uri: string;
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
  cause?: string;
}

export interface StoredRecording {
  name: string;
  format: string;
}

export interface AsteriskInfo {
  build?: { os: string; kernel: string; machine: string; options: string; date: string; user: string };
  system: { version: string; entity_id: string };
  config: {
    name: string;
    default_language: string;
    setid: { user: string; group: string };
  };
  status: { startup_time: string; last_reload_time: string };
}

export interface Module {
  name: string;
  description: string;
  use_count: number;
  status: string;
  support_level: string;
}

/** Error body of a 4xx/5xx ARI response. */
export interface AriErrorBody {
  message: string;
}

interface EventBase {
  timestamp: string;
  asterisk_id: string;
  application: string;
}

export type AriEvent =
  | (EventBase & { type: 'StasisStart'; args: string[]; channel: Channel; replace_channel?: Channel })
  | (EventBase & { type: 'StasisEnd'; channel: Channel })
  | (EventBase & { type: 'ChannelCreated'; channel: Channel })
  | (EventBase & { type: 'ChannelDestroyed'; cause: number; cause_txt: string; channel: Channel })
  | (EventBase & { type: 'ChannelStateChange'; channel: Channel })
  | (EventBase & { type: 'ChannelVarset'; variable: string; value: string; channel?: Channel })
  | (EventBase & { type: 'ChannelDtmfReceived'; digit: string; duration_ms: number; channel: Channel })
  | (EventBase & { type: 'ChannelHangupRequest'; cause?: number; soft?: boolean; channel: Channel })
  | (EventBase & { type: 'ChannelDialplan'; dialplan_app: string; dialplan_app_data: string; channel: Channel })
  | (EventBase & { type: 'ChannelEnteredBridge'; bridge: Bridge; channel: Channel })
  | (EventBase & { type: 'ChannelLeftBridge'; bridge: Bridge; channel: Channel })
  | (EventBase & { type: 'BridgeCreated'; bridge: Bridge })
  | (EventBase & { type: 'BridgeDestroyed'; bridge: Bridge })
  | (EventBase & { type: 'PlaybackStarted'; playback: Playback })
  | (EventBase & { type: 'PlaybackFinished'; playback: Playback })
  /** Between the media of a multi-media playback (res_stasis_playback.c state "continuing"). */
  | (EventBase & { type: 'PlaybackContinuing'; playback: Playback })
  | (EventBase & { type: 'RecordingStarted'; recording: LiveRecording })
  | (EventBase & { type: 'RecordingFinished'; recording: LiveRecording })
  | (EventBase & { type: 'RecordingFailed'; recording: LiveRecording })
  | (EventBase & {
      type: 'Dial';
      dialstatus: string;
      forward: string;
      dialstring: string;
      peer: Channel;
      caller?: Channel;
    })
  | (EventBase & { type: 'DeviceStateChanged'; device_state: { name: string; state: string } });

export type AriEventType = AriEvent['type'];

/** An event before the ARI layer stamps it with the receiving application. */
export type PbxEvent = DistributiveOmit<AriEvent, 'application'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Asterisk's timestamp format: ISO 8601 with milliseconds and a +0000 offset. */
export function ariTimestamp(d = new Date()): string {
  return d.toISOString().replace('Z', '+0000');
}
