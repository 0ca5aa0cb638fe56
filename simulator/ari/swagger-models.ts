/**
 * Swagger 1.1 models for the data and events this simulator sends, written for this project
 * from the shapes in engine/ari/models.ts (which were taken from recorded Asterisk 22 traffic).
 *
 * ari-client looks every incoming event up by its `type` in the events document's models and
 * throws when one is missing, so EVENT_MODELS is keyed by every AriEventType: the compiler
 * refuses a new event type until it is declared here.
 */
import type { AriEventType } from '../../engine/ari/models.js';

export interface SwaggerProperty {
  type: string;
  required?: boolean;
  description?: string;
  allowableValues?: { valueType: 'LIST'; values: string[] };
}

export interface SwaggerModel {
  id: string;
  description: string;
  properties: Record<string, SwaggerProperty>;
  /** Documentation only: ari-client reads each model's own properties. */
  extends?: string;
  subTypes?: string[];
}

const p = (type: string, description: string, required = true): SwaggerProperty => ({ type, description, required });
const opt = (type: string, description: string): SwaggerProperty => p(type, description, false);

function model(id: string, description: string, properties: Record<string, SwaggerProperty>): SwaggerModel {
  return { id, description, properties };
}

export const DATA_MODELS: Record<string, SwaggerModel> = {
  CallerID: model('CallerID', 'Caller identification', {
    name: p('string', 'Caller name'),
    number: p('string', 'Caller number'),
  }),
  DialplanCEP: model('DialplanCEP', 'Dialplan location (context/extension/priority)', {
    context: p('string', 'Context in the dialplan'),
    exten: p('string', 'Extension in the dialplan'),
    priority: p('long', 'Priority in the dialplan'),
    app_name: p('string', 'Name of current dialplan application'),
    app_data: p('string', 'Parameter of current dialplan application'),
  }),
  Channel: model('Channel', 'A specific communication connection between Asterisk and an Endpoint.', {
    id: p('string', 'Unique identifier of the channel'),
    name: p('string', 'Name of the channel (e.g. Local/s@caller-00000001;1)'),
    state: {
      ...p('string', 'Channel state'),
      allowableValues: {
        valueType: 'LIST',
        values: ['Down', 'Rsrved', 'OffHook', 'Dialing', 'Ring', 'Ringing', 'Up', 'Busy', 'Dialing Offhook', 'Pre-ring', 'Unknown'],
      },
    },
    protocol_id: p('string', 'Protocol id from the underlying channel driver'),
    caller: p('CallerID', 'Caller identification'),
    connected: p('CallerID', 'Connected line identification'),
    accountcode: p('string', 'Account code'),
    dialplan: p('DialplanCEP', 'Current location in the dialplan'),
    creationtime: p('Date', 'Timestamp when channel was created'),
    language: p('string', 'The default spoken language'),
    channelvars: opt('object', 'Channel variables'),
  }),
  Bridge: model('Bridge', 'The merging of media from one or more channels.', {
    id: p('string', 'Unique identifier for this bridge'),
    technology: p('string', 'Name of the current bridging technology'),
    bridge_type: p('string', 'Type of bridge technology'),
    bridge_class: p('string', 'Bridging class'),
    creator: p('string', 'Entity that created the bridge'),
    name: p('string', 'Name the creator gave the bridge'),
    channels: p('List[string]', 'Ids of channels participating in this bridge'),
    creationtime: p('Date', 'Timestamp when bridge was created'),
    video_mode: opt('string', 'The video mode the bridge uses'),
  }),
  Playback: model('Playback', 'Object representing the playback of media to a channel', {
    id: p('string', "ID for this playback operation"),
    media_uri: p('string', 'The URI for the media currently being played back.'),
    next_media_uri: opt('string', 'If a list of URIs is being played, the next media URI to be played back.'),
    target_uri: p('string', 'URI for the channel or bridge to play the media on'),
    language: opt('string', 'For media types that support multiple languages, the language requested for playback.'),
    state: {
      ...p('string', 'Current state of the playback operation.'),
      allowableValues: { valueType: 'LIST', values: ['queued', 'playing', 'continuing', 'done', 'failed'] },
    },
  }),
  LiveRecording: model('LiveRecording', 'A recording that is in progress', {
    name: p('string', 'Base name for the recording'),
    format: p('string', 'Recording format (wav, gsm, etc.)'),
    target_uri: p('string', 'URI for the channel or bridge being recorded'),
    state: {
      ...p('string', 'State of the recording'),
      allowableValues: { valueType: 'LIST', values: ['queued', 'recording', 'paused', 'done', 'failed', 'canceled'] },
    },
    duration: opt('int', 'Duration in seconds of the recording'),
    talking_duration: opt('int', 'Duration of talking, in seconds, detected in the recording.'),
    silence_duration: opt('int', 'Duration of silence, in seconds, detected in the recording.'),
    cause: opt('string', 'Cause for recording failure if failed'),
  }),
  StoredRecording: model('StoredRecording', 'A past recording that may be played back.', {
    name: p('string', 'Name of the recording'),
    format: p('string', 'Format of the recording'),
  }),
  Variable: model('Variable', 'The value of a channel variable', {
    value: p('string', 'The value of the variable requested'),
  }),
  BuildInfo: model('BuildInfo', 'Info about how Asterisk was built', {
    os: p('string', 'OS Asterisk was built on.'),
    kernel: p('string', 'Kernel version Asterisk was built on.'),
    options: p('string', 'Compile time options, or empty string if default.'),
    machine: p('string', 'Machine architecture (x86_64, i686, ppc, etc.)'),
    date: p('string', 'Date and time when Asterisk was built.'),
    user: p('string', 'Username that build Asterisk'),
  }),
  SystemInfo: model('SystemInfo', 'Info about Asterisk', {
    version: p('string', 'Asterisk version.'),
    entity_id: p('string', 'Entity id (MAC-like) of this Asterisk'),
  }),
  SetId: model('SetId', 'Effective user/group id', {
    user: p('string', 'Effective user id.'),
    group: p('string', 'Effective group id.'),
  }),
  ConfigInfo: model('ConfigInfo', 'Info about Asterisk configuration', {
    name: p('string', 'Asterisk system name.'),
    default_language: p('string', 'Default language for media playback.'),
    setid: p('SetId', 'Effective user/group id for running Asterisk.'),
  }),
  StatusInfo: model('StatusInfo', 'Info about Asterisk status', {
    startup_time: p('Date', 'Time when Asterisk was started.'),
    last_reload_time: p('Date', 'Time when Asterisk was last reloaded.'),
  }),
  AsteriskInfo: model('AsteriskInfo', 'Asterisk system information', {
    build: opt('BuildInfo', 'Info about how Asterisk was built'),
    system: opt('SystemInfo', 'Info about the system running Asterisk'),
    config: opt('ConfigInfo', 'Info about Asterisk configuration'),
    status: opt('StatusInfo', 'Info about Asterisk status'),
  }),
  Module: model('Module', 'Details of an Asterisk module', {
    name: p('string', 'The name of this module'),
    description: p('string', 'The description of this module'),
    use_count: p('int', 'The number of times this module is being used'),
    status: p('string', 'The running status of this module'),
    support_level: p('string', 'The support state of this module'),
  }),
  DeviceState: model('DeviceState', 'Represents the state of a device.', {
    name: p('string', 'Name of the device.'),
    state: p('string', 'Device state value.'),
  }),
};

/** Every event carries these; repeated in each event model because ari-client reads no `extends`. */
const EVENT_BASE: Record<string, SwaggerProperty> = {
  type: p('string', 'Indicates the type of this message.'),
  asterisk_id: opt('string', 'The unique ID for the Asterisk instance that raised this event.'),
  application: p('string', 'Name of the application receiving the event.'),
  timestamp: p('Date', 'Time at which this event was created.'),
};

function event(id: string, description: string, properties: Record<string, SwaggerProperty>): SwaggerModel {
  return { id, description, extends: 'Event', properties: { ...EVENT_BASE, ...properties } };
}

const channel = (description = 'The channel concerned.') => p('Channel', description);

/** Events the façade itself sends, beside those of the model. */
export type FacadeEventType = 'ApplicationReplaced';

export const EVENT_MODELS: Record<AriEventType | FacadeEventType, SwaggerModel> = {
  StasisStart: event('StasisStart', 'Notification that a channel has entered a Stasis application.', {
    args: p('List[string]', 'Arguments to the application'),
    channel: channel(),
    replace_channel: opt('Channel', 'The channel this one replaces, if any'),
  }),
  StasisEnd: event('StasisEnd', 'Notification that a channel has left a Stasis application.', { channel: channel() }),
  ChannelCreated: event('ChannelCreated', 'Notification that a channel has been created.', { channel: channel() }),
  ChannelDestroyed: event('ChannelDestroyed', 'Notification that a channel has been destroyed.', {
    cause: p('int', 'Integer representation of the cause of the hangup'),
    cause_txt: p('string', 'Text representation of the cause of the hangup'),
    channel: channel(),
  }),
  ChannelStateChange: event('ChannelStateChange', 'Notification of a channel\'s state change.', { channel: channel() }),
  ChannelVarset: event('ChannelVarset', 'Channel variable changed.', {
    variable: p('string', 'The variable that changed.'),
    value: p('string', 'The new value of the variable.'),
    channel: opt('Channel', 'The channel on which the variable was set; absent for a global variable.'),
  }),
  ChannelDtmfReceived: event('ChannelDtmfReceived', 'DTMF received on a channel.', {
    digit: p('string', 'DTMF digit received (0-9, A-E, # or *)'),
    duration_ms: p('int', 'Number of milliseconds DTMF was received'),
    channel: channel('The channel on which DTMF was received'),
  }),
  ChannelHangupRequest: event('ChannelHangupRequest', 'A hangup was requested on the channel.', {
    cause: opt('int', 'Integer representation of the cause of the hangup.'),
    soft: opt('boolean', 'Whether the hangup request was a soft hangup request.'),
    channel: channel('The channel on which the hangup was requested.'),
  }),
  ChannelDialplan: event('ChannelDialplan', 'Channel changed location in the dialplan.', {
    dialplan_app: p('string', 'The application about to be executed.'),
    dialplan_app_data: p('string', 'The data to be passed to the application.'),
    channel: channel('The channel that changed dialplan location.'),
  }),
  ChannelEnteredBridge: event('ChannelEnteredBridge', 'Notification that a channel has entered a bridge.', {
    bridge: p('Bridge', 'The bridge'),
    channel: channel(),
  }),
  ChannelLeftBridge: event('ChannelLeftBridge', 'Notification that a channel has left a bridge.', {
    bridge: p('Bridge', 'The bridge'),
    channel: channel(),
  }),
  BridgeCreated: event('BridgeCreated', 'Notification that a bridge has been created.', { bridge: p('Bridge', 'The bridge') }),
  BridgeDestroyed: event('BridgeDestroyed', 'Notification that a bridge has been destroyed.', { bridge: p('Bridge', 'The bridge') }),
  PlaybackStarted: event('PlaybackStarted', 'Event showing the start of a media playback operation.', {
    playback: p('Playback', 'Playback control object'),
  }),
  PlaybackFinished: event('PlaybackFinished', 'Event showing the completion of a media playback operation.', {
    playback: p('Playback', 'Playback control object'),
  }),
  PlaybackContinuing: event('PlaybackContinuing', 'Event showing the continuation of a media playback operation from one media URI to the next in the list.', {
    playback: p('Playback', 'Playback control object'),
  }),
  RecordingStarted: event('RecordingStarted', 'Event showing the start of a recording operation.', {
    recording: p('LiveRecording', 'Recording control object'),
  }),
  RecordingFinished: event('RecordingFinished', 'Event showing the completion of a recording operation.', {
    recording: p('LiveRecording', 'Recording control object'),
  }),
  RecordingFailed: event('RecordingFailed', 'Event showing failure of a recording operation.', {
    recording: p('LiveRecording', 'Recording control object'),
  }),
  Dial: event('Dial', 'Dialing state has changed.', {
    dialstatus: p('string', 'Current status of the dialing attempt to the peer.'),
    forward: opt('string', 'Forwarding target requested by the original dialed channel.'),
    dialstring: opt('string', 'The dial string for calling the peer channel.'),
    peer: p('Channel', 'The dialed channel.'),
    caller: opt('Channel', 'The calling channel.'),
  }),
  DeviceStateChanged: event('DeviceStateChanged', 'Notification that a device state has changed.', {
    device_state: p('DeviceState', 'Device state object'),
  }),
  ApplicationReplaced: event(
    'ApplicationReplaced',
    'Notification that another WebSocket has taken over for an application; no more events for it reach this socket.',
    {},
  ),
};

/** Base models, as Asterisk declares them, for readers of the docs. */
export const EVENT_BASE_MODELS: Record<string, SwaggerModel> = {
  Message: {
    id: 'Message',
    description: 'Base type for errors and events',
    properties: { type: EVENT_BASE.type, asterisk_id: EVENT_BASE.asterisk_id },
    subTypes: ['Event'],
  },
  Event: {
    id: 'Event',
    description: 'Base type for asynchronous events from Asterisk.',
    extends: 'Message',
    properties: { application: EVENT_BASE.application, timestamp: EVENT_BASE.timestamp },
    subTypes: Object.keys(EVENT_MODELS).sort(),
  },
};
