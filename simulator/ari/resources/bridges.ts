/**
 * /bridges: create, inspect, destroy, add/remove channels, play media. Paths, nicknames and
 * status codes as Asterisk 22 serves them (creation answers 200, addChannel 204, play 201).
 */
import {
  created,
  noContent,
  ok,
  pathParam,
  query,
  type OperationSpec,
  type ParamSpec,
  type ResourceSpec,
} from '../spec.js';
import { playFrom, playParams } from './media-params.js';

const bridgeId = pathParam('bridgeId', "Bridge's id");

const BRIDGE_TYPES = ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'];

const createParams = (withId: boolean): ParamSpec[] => [
  query('type', 'string', 'Comma separated list of bridge type attributes.', { allowableValues: BRIDGE_TYPES }),
  ...(withId ? [] : [query('bridgeId', 'string', 'Unique ID to give to the bridge being created.')]),
  query('name', 'string', 'Name to give to the bridge being created.'),
];

const channelList = query('channel', 'string', 'Ids of channels to add to bridge', { required: true, allowMultiple: true });



const bridgeErrors = [
  { code: 404, reason: 'Bridge not found' },
  { code: 409, reason: 'Bridge not in Stasis application' },
];

const operations = {
  list: {
    httpMethod: 'GET',
    nickname: 'list',
    summary: 'List all active bridges in Asterisk.',
    responseClass: 'List[Bridge]',
    parameters: [],
    handle: ({ pbx }) => ok(pbx.listBridges()),
  },
  create: {
    httpMethod: 'POST',
    nickname: 'create',
    summary: 'Create a new bridge.',
    responseClass: 'Bridge',
    parameters: createParams(false),
    errorResponses: [{ code: 409, reason: 'Bridge with the same bridgeId already exists' }],
    handle: ({ pbx, params }) =>
      ok(pbx.createBridge({ type: params.nonEmpty('type'), bridgeId: params.nonEmpty('bridgeId'), name: params.nonEmpty('name') })),
  },
  createWithId: {
    httpMethod: 'POST',
    nickname: 'createWithId',
    summary: 'Create a new bridge with the given id.',
    responseClass: 'Bridge',
    parameters: [pathParam('bridgeId', 'Unique ID to give to the bridge being created.'), ...createParams(true)],
    errorResponses: [{ code: 409, reason: 'Bridge with the same bridgeId already exists' }],
    handle: ({ pbx, params, path }) =>
      ok(pbx.createBridge({ type: params.nonEmpty('type'), bridgeId: path.bridgeId, name: params.nonEmpty('name') })),
  },
  get: {
    httpMethod: 'GET',
    nickname: 'get',
    summary: 'Get bridge details.',
    responseClass: 'Bridge',
    parameters: [bridgeId],
    errorResponses: [{ code: 404, reason: 'Bridge not found' }],
    handle: ({ pbx, path }) => ok(pbx.getBridge(path.bridgeId)),
  },
  destroy: {
    httpMethod: 'DELETE',
    nickname: 'destroy',
    summary: 'Shut down a bridge.',
    responseClass: 'void',
    parameters: [bridgeId],
    errorResponses: [{ code: 404, reason: 'Bridge not found' }],
    handle: ({ pbx, path }) => {
      pbx.destroyBridge(path.bridgeId);
      return noContent();
    },
  },
  addChannel: {
    httpMethod: 'POST',
    nickname: 'addChannel',
    summary: 'Add a channel to a bridge.',
    responseClass: 'void',
    parameters: [
      bridgeId,
      channelList,
      query('role', 'string', "Channel's role in the bridge"),
      query('absorbDTMF', 'boolean', 'Absorb DTMF coming from this channel, preventing it to pass through to the bridge', { defaultValue: false }),
      query('mute', 'boolean', 'Mute audio from this channel, preventing it to pass through to the bridge', { defaultValue: false }),
      query('inhibitConnectedLineUpdates', 'boolean', 'Do not present the identity of the newly connected channel to other bridge members', { defaultValue: false }),
    ],
    errorResponses: [
      { code: 400, reason: 'Channel not found' },
      ...bridgeErrors,
      { code: 422, reason: 'Channel not in Stasis application' },
    ],
    handle: ({ pbx, params, path }) => {
      pbx.addChannel(path.bridgeId, params.list('channel'));
      return noContent();
    },
  },
  removeChannel: {
    httpMethod: 'POST',
    nickname: 'removeChannel',
    summary: 'Remove a channel from a bridge.',
    responseClass: 'void',
    parameters: [bridgeId, { ...channelList, description: 'Ids of channels to remove from bridge' }],
    errorResponses: [
      { code: 400, reason: 'Channel not found' },
      ...bridgeErrors,
      { code: 422, reason: 'Channel not in this bridge' },
    ],
    handle: ({ pbx, params, path }) => {
      pbx.removeChannel(path.bridgeId, params.list('channel'));
      return noContent();
    },
  },
  play: {
    httpMethod: 'POST',
    nickname: 'play',
    summary: 'Start playback of media on a bridge.',
    responseClass: 'Playback',
    parameters: [bridgeId, ...playParams, query('playbackId', 'string', 'Playback Id.')],
    errorResponses: bridgeErrors,
    handle: ({ pbx, params, path }) => {
      const playback = pbx.playOnBridge(path.bridgeId, playFrom(params, params.nonEmpty('playbackId')));
      return created(playback, `/playbacks/${encodeURIComponent(playback.id)}`);
    },
  },
  playWithId: {
    httpMethod: 'POST',
    nickname: 'playWithId',
    summary: 'Start playback of media on a bridge, with the playback\'s id.',
    responseClass: 'Playback',
    parameters: [bridgeId, pathParam('playbackId', 'Playback ID.'), ...playParams],
    errorResponses: bridgeErrors,
    handle: ({ pbx, params, path }) => {
      const playback = pbx.playOnBridge(path.bridgeId, playFrom(params, path.playbackId));
      return created(playback, `/playbacks/${encodeURIComponent(playback.id)}`);
    },
  },
} satisfies Record<string, OperationSpec>;

export const bridgesResource: ResourceSpec = {
  name: 'bridges',
  description: 'Bridge resources',
  models: ['Bridge', 'Playback'],
  apis: [
    { path: '/bridges', description: 'Active bridges', operations: [operations.list, operations.create] },
    {
      path: '/bridges/{bridgeId}',
      description: 'Individual bridge',
      operations: [operations.createWithId, operations.get, operations.destroy],
    },
    { path: '/bridges/{bridgeId}/addChannel', description: 'Add a channel to a bridge', operations: [operations.addChannel] },
    { path: '/bridges/{bridgeId}/removeChannel', description: 'Remove a channel from a bridge', operations: [operations.removeChannel] },
    { path: '/bridges/{bridgeId}/play', description: 'Play media to the participants of a bridge', operations: [operations.play] },
    { path: '/bridges/{bridgeId}/play/{playbackId}', description: 'Play media to a bridge', operations: [operations.playWithId] },
  ],
};
