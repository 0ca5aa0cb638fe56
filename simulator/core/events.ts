/**
 * Builders for the events the model publishes, with the fields in the order Asterisk 22 writes
 * them (fixtures/traces/*.jsonl): clients that compare JSON text, and people diffing a capture
 * against a trace, see the same thing. `application` is added by the ARI layer per receiver.
 */
import { ariTimestamp, type Bridge, type Channel, type LiveRecording, type PbxEvent, type Playback } from '../../engine/ari/models.js';
import { causeText } from './causes.js';

export class EventFactory {
  constructor(private readonly asteriskId: string) {}

  private now(): string {
    return ariTimestamp();
  }

  channelCreated(channel: Channel): PbxEvent {
    return { type: 'ChannelCreated', timestamp: this.now(), channel, asterisk_id: this.asteriskId };
  }

  channelDestroyed(channel: Channel, cause: number): PbxEvent {
    return {
      type: 'ChannelDestroyed',
      timestamp: this.now(),
      cause,
      cause_txt: causeText(cause),
      channel,
      asterisk_id: this.asteriskId,
    };
  }

  channelStateChange(channel: Channel): PbxEvent {
    return { type: 'ChannelStateChange', timestamp: this.now(), channel, asterisk_id: this.asteriskId };
  }

  channelVarset(channel: Channel, variable: string, value: string): PbxEvent {
    return { variable, value, type: 'ChannelVarset', timestamp: this.now(), channel, asterisk_id: this.asteriskId };
  }

  /** `soft` present only for soft hangups (ast_softhangup), as in the traces. */
  channelHangupRequest(channel: Channel, cause: number, soft: boolean): PbxEvent {
    return soft
      ? { cause, soft: true, type: 'ChannelHangupRequest', timestamp: this.now(), channel, asterisk_id: this.asteriskId }
      : { cause, type: 'ChannelHangupRequest', timestamp: this.now(), channel, asterisk_id: this.asteriskId };
  }

  channelDialplan(channel: Channel): PbxEvent {
    return {
      type: 'ChannelDialplan',
      timestamp: this.now(),
      dialplan_app: channel.dialplan.app_name,
      dialplan_app_data: channel.dialplan.app_data,
      channel,
      asterisk_id: this.asteriskId,
    };
  }

  channelDtmfReceived(channel: Channel, digit: string, durationMs: number): PbxEvent {
    return {
      type: 'ChannelDtmfReceived',
      timestamp: this.now(),
      digit,
      duration_ms: durationMs,
      channel,
      asterisk_id: this.asteriskId,
    };
  }

  dial(peer: Channel, dialstatus: string, dialstring: string): PbxEvent {
    return {
      type: 'Dial',
      timestamp: this.now(),
      dialstatus,
      forward: '',
      dialstring,
      peer,
      asterisk_id: this.asteriskId,
    };
  }

  stasisStart(channel: Channel, args: string[]): PbxEvent {
    return { type: 'StasisStart', timestamp: this.now(), args, channel, asterisk_id: this.asteriskId };
  }

  stasisEnd(channel: Channel): PbxEvent {
    return { type: 'StasisEnd', timestamp: this.now(), channel, asterisk_id: this.asteriskId };
  }

  channelEnteredBridge(bridge: Bridge, channel: Channel): PbxEvent {
    return { type: 'ChannelEnteredBridge', timestamp: this.now(), bridge, channel, asterisk_id: this.asteriskId };
  }

  channelLeftBridge(bridge: Bridge, channel: Channel): PbxEvent {
    return { type: 'ChannelLeftBridge', timestamp: this.now(), bridge, channel, asterisk_id: this.asteriskId };
  }

  bridgeCreated(bridge: Bridge): PbxEvent {
    return { type: 'BridgeCreated', timestamp: this.now(), bridge, asterisk_id: this.asteriskId };
  }

  bridgeDestroyed(bridge: Bridge): PbxEvent {
    return { type: 'BridgeDestroyed', timestamp: this.now(), bridge, asterisk_id: this.asteriskId };
  }

  playback(type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished', playback: Playback): PbxEvent {
    return { type, timestamp: this.now(), playback, asterisk_id: this.asteriskId };
  }

  recording(type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed', recording: LiveRecording): PbxEvent {
    return { type, timestamp: this.now(), recording, asterisk_id: this.asteriskId };
  }
}
