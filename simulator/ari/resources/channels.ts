/**
 * /channels: the operations an ARI voice app uses, with Asterisk 22's paths, nicknames,
 * parameters and status codes (res/ari/resource_channels.c, checked against the traces in
 * fixtures/traces). Checks that need no PBX state, and that Asterisk makes before it looks
 * the channel up, are made here; everything else is the model's (it throws AriError).
 */
import { AriError, type OriginateParams, type SnoopParams } from '../../core/api.js';
import type { Params } from '../params.js';
import {
  created,
  noContent,
  ok,
  pathParam,
  query,
  variablesBody,
  type OperationSpec,
  type ParamSpec,
  type ResourceSpec,
} from '../spec.js';
import { playFrom, playParams } from './media-params.js';

const channelId = pathParam('channelId', "Channel's id");

const originateParams: ParamSpec[] = [
  query('endpoint', 'string', 'Endpoint to call.', { required: true, missingMessage: 'Endpoint must be specified' }),
  query('extension', 'string', 'The extension to dial after the endpoint answers. Mutually exclusive with \'app\'.'),
  query('context', 'string', 'The context to dial after the endpoint answers. If omitted, uses \'default\'.'),
  query('priority', 'long', 'The priority to dial after the endpoint answers. If omitted, uses 1.'),
  query('label', 'string', 'The label to dial after the endpoint answers. Will supersede \'priority\' if provided.'),
  query('app', 'string', 'The application that is subscribed to the originated channel.'),
  query('appArgs', 'string', 'The application arguments to pass to the Stasis application.'),
  query('callerId', 'string', 'CallerID to use when dialing the endpoint or extension.'),
  query('timeout', 'int', 'Timeout (in seconds) before giving up dialing, or -1 for no timeout.', { defaultValue: 30 }),
  variablesBody('The "variables" key in the body object holds variable key/value pairs to set on the channel on creation.'),
  query('otherChannelId', 'string', 'The unique id to assign the second channel when using local channels.'),
  query('originator', 'string', 'The unique id of the channel which is originating this one.'),
  query('formats', 'string', 'The format name capability list to use if originator is not specified. Ex. "ulaw,slin16".'),
];

function originateFrom(params: Params, id: string | undefined): OriginateParams {
  const endpoint = params.str('endpoint') ?? '';
  const app = params.nonEmpty('app');
  const extension = params.nonEmpty('extension');
  if (params.nonEmpty('originator') && params.nonEmpty('formats')) {
    throw new AriError(400, "Originator and formats can't both be specified");
  }
  const slash = endpoint.indexOf('/');
  if (slash <= 0 || slash === endpoint.length - 1) throw new AriError(400, 'Invalid endpoint specified');
  if (!app && !extension) throw new AriError(400, 'Application or extension must be specified');
  return {
    endpoint,
    extension,
    context: params.nonEmpty('context'),
    priority: params.int('priority'),
    label: params.nonEmpty('label'),
    app,
    appArgs: params.nonEmpty('appArgs'),
    callerId: params.nonEmpty('callerId'),
    timeout: params.int('timeout'),
    channelId: id,
    otherChannelId: params.nonEmpty('otherChannelId'),
    originator: params.nonEmpty('originator'),
    formats: params.nonEmpty('formats'),
    variables: params.stringMap('variables'),
  };
}

/** Asterisk 22's hangup reasons (convert_reason_to_hangup_code). */
const HANGUP_REASONS = [
  'normal',
  'busy',
  'congestion',
  'no_answer',
  'timeout',
  'rejected',
  'unallocated',
  'normal_unspecified',
  'number_incomplete',
  'codec_mismatch',
  'interworking',
  'failure',
  'answered_elsewhere',
];

const DIRECTIONS = ['none', 'both', 'out', 'in'] as const;
type Direction = (typeof DIRECTIONS)[number];

function snoopFrom(params: Params, snoopId: string | undefined): SnoopParams {
  const direction = (name: 'spy' | 'whisper'): Direction => {
    const v = params.nonEmpty(name) ?? 'none';
    if (!(DIRECTIONS as readonly string[]).includes(v)) throw new AriError(400, `Invalid direction specified for ${name}`);
    return v as Direction;
  };
  const spy = direction('spy');
  const whisper = direction('whisper');
  if (spy === 'none' && whisper === 'none') {
    throw new AriError(400, 'Direction must be specified for at least spy or whisper');
  }
  const app = params.nonEmpty('app');
  if (!app) throw new AriError(400, 'Application name is required');
  return { spy, whisper, app, appArgs: params.nonEmpty('appArgs'), snoopId };
}

const snoopParams: ParamSpec[] = [
  query('spy', 'string', 'Direction of audio to spy on', { defaultValue: 'none', allowableValues: [...DIRECTIONS] }),
  query('whisper', 'string', 'Direction of audio to whisper into', { defaultValue: 'none', allowableValues: [...DIRECTIONS] }),
  query('app', 'string', 'Application the snooping channel is placed into', { required: true, missingMessage: 'Application name is required' }),
  query('appArgs', 'string', 'The application arguments to pass to the Stasis application'),
];



const IF_EXISTS = ['fail', 'overwrite', 'append'] as const;
const TERMINATE_ON = ['none', 'any', '*', '#'] as const;

const operations = {
  list: {
    httpMethod: 'GET',
    nickname: 'list',
    summary: 'List all active channels in Asterisk.',
    responseClass: 'List[Channel]',
    parameters: [],
    handle: ({ pbx }) => ok(pbx.listChannels()),
  },
  originate: {
    httpMethod: 'POST',
    nickname: 'originate',
    summary: 'Create a new channel (originate).',
    responseClass: 'Channel',
    parameters: [...originateParams, query('channelId', 'string', 'The unique id to assign the channel on creation.')],
    errorResponses: [
      { code: 400, reason: 'Invalid parameters for originating a channel.' },
      { code: 409, reason: 'Channel with given unique ID already exists.' },
    ],
    handle: ({ pbx, params }) => ok(pbx.originate(originateFrom(params, params.nonEmpty('channelId')))),
  },
  get: {
    httpMethod: 'GET',
    nickname: 'get',
    summary: 'Channel details.',
    responseClass: 'Channel',
    parameters: [channelId],
    errorResponses: [{ code: 404, reason: 'Channel not found' }],
    handle: ({ pbx, path }) => ok(pbx.getChannel(path.channelId)),
  },
  originateWithId: {
    httpMethod: 'POST',
    nickname: 'originateWithId',
    summary: 'Create a new channel (originate with id).',
    responseClass: 'Channel',
    parameters: [pathParam('channelId', 'The unique id to assign the channel on creation.'), ...originateParams],
    errorResponses: [
      { code: 400, reason: 'Invalid parameters for originating a channel.' },
      { code: 409, reason: 'Channel with given unique ID already exists.' },
    ],
    handle: ({ pbx, params, path }) => ok(pbx.originate(originateFrom(params, path.channelId))),
  },
  hangup: {
    httpMethod: 'DELETE',
    nickname: 'hangup',
    summary: 'Delete (i.e. hangup) a channel.',
    responseClass: 'void',
    parameters: [
      channelId,
      query('reason', 'string', 'Reason for hanging up the channel', { defaultValue: 'normal', allowableValues: HANGUP_REASONS }),
    ],
    errorResponses: [
      { code: 400, reason: 'Invalid reason for hangup provided' },
      { code: 404, reason: 'Channel not found' },
    ],
    handle: ({ pbx, params, path }) => {
      pbx.getChannel(path.channelId); // Asterisk looks the channel up before it reads the reason
      const reason = params.nonEmpty('reason');
      if (reason !== undefined && !HANGUP_REASONS.includes(reason)) {
        throw new AriError(400, 'Invalid reason for hangup provided');
      }
      pbx.hangup(path.channelId, reason);
      return noContent();
    },
  },
  continueInDialplan: {
    httpMethod: 'POST',
    nickname: 'continueInDialplan',
    summary: 'Exit application; continue execution in the dialplan.',
    responseClass: 'void',
    parameters: [
      channelId,
      query('context', 'string', 'The context to continue to.'),
      query('extension', 'string', 'The extension to continue to.'),
      query('priority', 'int', 'The priority to continue to.'),
      query('label', 'string', "The label to continue to - will supersede 'priority' if both are provided."),
    ],
    errorResponses: [
      { code: 404, reason: 'Channel not found' },
      { code: 409, reason: 'Channel not in a Stasis application' },
      { code: 412, reason: 'Channel in invalid state' },
    ],
    handle: ({ pbx, params, path }) => {
      pbx.continueInDialplan(path.channelId, {
        context: params.nonEmpty('context'),
        extension: params.nonEmpty('extension'),
        priority: params.int('priority'),
        label: params.nonEmpty('label'),
      });
      return noContent();
    },
  },
  answer: {
    httpMethod: 'POST',
    nickname: 'answer',
    summary: 'Answer a channel.',
    responseClass: 'void',
    parameters: [channelId],
    errorResponses: [
      { code: 404, reason: 'Channel not found' },
      { code: 409, reason: 'Channel not in a Stasis application' },
      { code: 412, reason: 'Channel in invalid state' },
    ],
    handle: ({ pbx, path }) => {
      pbx.answer(path.channelId);
      return noContent();
    },
  },
  sendDTMF: {
    httpMethod: 'POST',
    nickname: 'sendDTMF',
    summary: 'Send provided DTMF to a given channel.',
    responseClass: 'void',
    parameters: [
      channelId,
      query('dtmf', 'string', 'DTMF To send.', { required: true, missingMessage: 'DTMF is required' }),
      query('before', 'int', 'Amount of time to wait before DTMF digits (specified in milliseconds) start.'),
      query('between', 'int', 'Amount of time in between DTMF digits (specified in milliseconds).', { defaultValue: 100 }),
      query('duration', 'int', 'Length of each DTMF digit (specified in milliseconds).', { defaultValue: 100 }),
      query('after', 'int', 'Amount of time to wait after DTMF digits (specified in milliseconds) end.'),
    ],
    errorResponses: [
      { code: 400, reason: 'DTMF is required' },
      { code: 404, reason: 'Channel not found' },
      { code: 409, reason: 'Channel not in a Stasis application' },
      { code: 412, reason: 'Channel in invalid state' },
    ],
    handle: ({ pbx, params, path }) => {
      pbx.sendDtmf(path.channelId, params.str('dtmf') ?? '', params.int('duration'));
      return noContent();
    },
  },
  play: {
    httpMethod: 'POST',
    nickname: 'play',
    summary: 'Start playback of media.',
    responseClass: 'Playback',
    parameters: [channelId, ...playParams, query('playbackId', 'string', 'Playback ID.')],
    errorResponses: [
      { code: 404, reason: 'Channel not found' },
      { code: 409, reason: 'Channel not in a Stasis application' },
      { code: 412, reason: 'Channel in invalid state' },
    ],
    handle: ({ pbx, params, path }) => {
      const playback = pbx.play(path.channelId, playFrom(params, params.nonEmpty('playbackId')));
      return created(playback, `/playbacks/${encodeURIComponent(playback.id)}`);
    },
  },
  playWithId: {
    httpMethod: 'POST',
    nickname: 'playWithId',
    summary: 'Start playback of media and specify the playbackId.',
    responseClass: 'Playback',
    parameters: [channelId, pathParam('playbackId', 'Playback ID.'), ...playParams],
    errorResponses: [
      { code: 404, reason: 'Channel not found' },
      { code: 409, reason: 'Channel not in a Stasis application' },
      { code: 412, reason: 'Channel in invalid state' },
    ],
    handle: ({ pbx, params, path }) => {
      const playback = pbx.play(path.channelId, playFrom(params, path.playbackId));
      return created(playback, `/playbacks/${encodeURIComponent(playback.id)}`);
    },
  },
  record: {
    httpMethod: 'POST',
    nickname: 'record',
    summary: 'Start a recording.',
    responseClass: 'LiveRecording',
    parameters: [
      channelId,
      query('name', 'string', 'Recording\'s filename', { required: true }),
      query('format', 'string', 'Format to encode audio in', { required: true }),
      query('maxDurationSeconds', 'int', 'Maximum duration of the recording, in seconds. 0 for no limit', { defaultValue: 0 }),
      query('maxSilenceSeconds', 'int', 'Maximum duration of silence, in seconds. 0 for no limit', { defaultValue: 0 }),
      query('ifExists', 'string', 'Action to take if a recording with the same name already exists.', {
        defaultValue: 'fail',
        allowableValues: [...IF_EXISTS],
      }),
      query('beep', 'boolean', 'Play beep when recording begins', { defaultValue: false }),
      query('terminateOn', 'string', 'DTMF input to terminate recording', { defaultValue: 'none', allowableValues: [...TERMINATE_ON] }),
    ],
    errorResponses: [
      { code: 400, reason: 'Invalid parameters' },
      { code: 404, reason: 'Channel not found' },
      { code: 409, reason: 'Channel not in a Stasis application, or a recording of that name exists and cannot be overwritten' },
      { code: 422, reason: 'The format specified is unknown on this system' },
    ],
    handle: ({ pbx, params, path }) => {
      const maxDurationSeconds = params.int('maxDurationSeconds');
      const maxSilenceSeconds = params.int('maxSilenceSeconds');
      if (maxDurationSeconds !== undefined && maxDurationSeconds < 0) {
        throw new AriError(400, 'max_duration_seconds cannot be negative');
      }
      if (maxSilenceSeconds !== undefined && maxSilenceSeconds < 0) {
        throw new AriError(400, 'max_silence_seconds cannot be negative');
      }
      pbx.getChannel(path.channelId);
      const terminateOn = params.nonEmpty('terminateOn');
      if (terminateOn !== undefined && !(TERMINATE_ON as readonly string[]).includes(terminateOn)) {
        throw new AriError(400, 'terminateOn invalid');
      }
      const ifExists = params.nonEmpty('ifExists');
      if (ifExists !== undefined && !(IF_EXISTS as readonly string[]).includes(ifExists)) {
        throw new AriError(400, 'ifExists invalid');
      }
      const name = params.str('name') ?? '';
      const recording = pbx.record(path.channelId, {
        name,
        format: params.str('format') ?? '',
        maxDurationSeconds,
        maxSilenceSeconds,
        ifExists: ifExists as (typeof IF_EXISTS)[number] | undefined,
        beep: params.bool('beep'),
        terminateOn,
      });
      return created(recording, `/recordings/live/${encodeURIComponent(recording.name)}`);
    },
  },
  getChannelVar: {
    httpMethod: 'GET',
    nickname: 'getChannelVar',
    summary: 'Get the value of a channel variable or function.',
    responseClass: 'Variable',
    parameters: [
      channelId,
      query('variable', 'string', 'The channel variable or function to get', { required: true, missingMessage: 'Variable name is required' }),
    ],
    errorResponses: [
      { code: 400, reason: 'Missing variable parameter.' },
      { code: 404, reason: 'Channel or variable not found' },
      { code: 409, reason: 'Channel not in a Stasis application' },
    ],
    handle: ({ pbx, params, path }) => ok({ value: pbx.getVariable(path.channelId, params.str('variable') ?? '') }),
  },
  setChannelVar: {
    httpMethod: 'POST',
    nickname: 'setChannelVar',
    summary: 'Set the value of a channel variable or function.',
    responseClass: 'void',
    parameters: [
      channelId,
      query('variable', 'string', 'The channel variable or function to set', { required: true, missingMessage: 'Variable name is required' }),
      query('value', 'string', 'The value to set the variable to'),
    ],
    errorResponses: [
      { code: 400, reason: 'Missing variable parameter.' },
      { code: 404, reason: 'Channel not found' },
      { code: 409, reason: 'Channel not in a Stasis application' },
    ],
    handle: ({ pbx, params, path }) => {
      pbx.setVariable(path.channelId, params.str('variable') ?? '', params.str('value') ?? '');
      return noContent();
    },
  },
  snoopChannel: {
    httpMethod: 'POST',
    nickname: 'snoopChannel',
    summary: 'Start snooping.',
    responseClass: 'Channel',
    parameters: [channelId, ...snoopParams, query('snoopId', 'string', 'Unique ID to assign to snooping channel')],
    errorResponses: [
      { code: 400, reason: 'Invalid parameters' },
      { code: 404, reason: 'Channel not found' },
    ],
    handle: ({ pbx, params, path }) => ok(pbx.snoop(path.channelId, snoopFrom(params, params.nonEmpty('snoopId')))),
  },
  snoopChannelWithId: {
    httpMethod: 'POST',
    nickname: 'snoopChannelWithId',
    summary: 'Start snooping (with the snooping channel\'s id).',
    responseClass: 'Channel',
    parameters: [channelId, pathParam('snoopId', 'Unique ID to assign to snooping channel'), ...snoopParams],
    errorResponses: [
      { code: 400, reason: 'Invalid parameters' },
      { code: 404, reason: 'Channel not found' },
    ],
    handle: ({ pbx, params, path }) => ok(pbx.snoop(path.channelId, snoopFrom(params, path.snoopId))),
  },
  externalMedia: {
    httpMethod: 'POST',
    nickname: 'externalMedia',
    summary: 'Start an External Media session.',
    responseClass: 'Channel',
    parameters: [
      query('channelId', 'string', 'The unique id to assign the channel on creation.'),
      query('app', 'string', 'Stasis Application to place channel into', { required: true, missingMessage: 'app cannot be empty' }),
      variablesBody('The "variables" key in the body object holds variable key/value pairs to set on the channel on creation.'),
      query('external_host', 'string', 'Hostname/ip:port of external host', { required: true, missingMessage: 'external_host cannot be empty' }),
      query('encapsulation', 'string', 'Payload encapsulation protocol', { defaultValue: 'rtp', allowableValues: ['rtp', 'audiosocket'] }),
      query('transport', 'string', 'Transport protocol', { defaultValue: 'udp', allowableValues: ['udp', 'tcp'] }),
      query('connection_type', 'string', 'Connection type (client/server)', { defaultValue: 'client', allowableValues: ['client'] }),
      query('format', 'string', 'Format to encode audio in', { required: true, missingMessage: 'format cannot be empty' }),
      query('direction', 'string', 'External media direction', { defaultValue: 'both', allowableValues: ['both'] }),
      query('data', 'string', 'An arbitrary data field (for audiosocket: the connection UUID)'),
    ],
    errorResponses: [
      { code: 400, reason: 'Invalid parameters' },
      { code: 409, reason: 'Channel is not in a Stasis application; Channel is already bridged' },
    ],
    handle: async ({ pbx, params }) => {
      const variables = params.stringMap('variables');
      const externalHost = params.str('external_host') ?? '';
      if (!/^(\[[^\]]+\]|[^:\s]+):\d+$/.test(externalHost)) {
        throw new AriError(400, 'external_host must be <host>:<port>');
      }
      const encapsulation = params.nonEmpty('encapsulation') ?? 'rtp';
      const transport = params.nonEmpty('transport') ?? 'udp';
      const isRtp = encapsulation.toLowerCase() === 'rtp' && transport.toLowerCase() === 'udp';
      const isAudioSocket = encapsulation.toLowerCase() === 'audiosocket' && transport.toLowerCase() === 'tcp';
      if (!isRtp && !isAudioSocket) throw new AriError(501, 'The encapsulation and/or transport is not supported');
      if (isAudioSocket && !params.nonEmpty('data')) throw new AriError(400, 'data can not be empty');
      const request = {
        app: params.str('app') ?? '',
        channelId: params.nonEmpty('channelId'),
        external_host: externalHost,
        encapsulation,
        transport,
        connection_type: params.nonEmpty('connection_type') ?? 'client',
        format: params.str('format') ?? '',
        direction: params.nonEmpty('direction') ?? 'both',
        data: params.nonEmpty('data'),
        variables,
      };
      // Asterisk answers only once chan_audiosocket's TCP connect is done (or failed).
      return ok(pbx.externalMediaAsync ? await pbx.externalMediaAsync(request) : pbx.externalMedia(request));
    },
  },
} satisfies Record<string, OperationSpec>;

export const channelsResource: ResourceSpec = {
  name: 'channels',
  description: 'Channel resources',
  models: ['Channel', 'CallerID', 'DialplanCEP', 'Playback', 'LiveRecording', 'Variable'],
  apis: [
    { path: '/channels', description: 'Active channels', operations: [operations.list, operations.originate] },
    { path: '/channels/externalMedia', description: 'Create a channel to an External Media source/sink.', operations: [operations.externalMedia] },
    {
      path: '/channels/{channelId}',
      description: 'Active channel',
      operations: [operations.get, operations.originateWithId, operations.hangup],
    },
    { path: '/channels/{channelId}/continue', description: 'Exit application; continue execution in the dialplan', operations: [operations.continueInDialplan] },
    { path: '/channels/{channelId}/answer', description: 'Answer a channel', operations: [operations.answer] },
    { path: '/channels/{channelId}/dtmf', description: 'Send DTMF to a channel', operations: [operations.sendDTMF] },
    { path: '/channels/{channelId}/play', description: 'Play media to a channel', operations: [operations.play] },
    { path: '/channels/{channelId}/play/{playbackId}', description: 'Play media to a channel', operations: [operations.playWithId] },
    { path: '/channels/{channelId}/record', description: 'Record audio from a channel', operations: [operations.record] },
    {
      path: '/channels/{channelId}/variable',
      description: 'Variables on a channel',
      operations: [operations.getChannelVar, operations.setChannelVar],
    },
    { path: '/channels/{channelId}/snoop', description: 'Snoop (spy/whisper) on a channel', operations: [operations.snoopChannel] },
    { path: '/channels/{channelId}/snoop/{snoopId}', description: 'Snoop (spy/whisper) on a channel', operations: [operations.snoopChannelWithId] },
  ],
};
