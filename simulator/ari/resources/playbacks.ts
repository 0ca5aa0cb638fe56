/**
 * /playbacks/{playbackId}: inspect and stop. A stopped playback is gone at once (GET answers
 * 404 "Playback not found" right after DELETE's 204, trace s7) and finishes with state "done".
 */
import { noContent, ok, pathParam, type OperationSpec, type ResourceSpec } from '../spec.js';

const playbackId = pathParam('playbackId', "Playback's id");

const get: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'get',
  summary: "Get a playback's details.",
  responseClass: 'Playback',
  parameters: [playbackId],
  errorResponses: [{ code: 404, reason: 'The playback cannot be found' }],
  handle: ({ pbx, path }) => ok(pbx.getPlayback(path.playbackId)),
};

const stop: OperationSpec = {
  httpMethod: 'DELETE',
  nickname: 'stop',
  summary: 'Stop a playback.',
  responseClass: 'void',
  parameters: [playbackId],
  errorResponses: [{ code: 404, reason: 'The playback cannot be found' }],
  handle: ({ pbx, path }) => {
    pbx.stopPlayback(path.playbackId);
    return noContent();
  },
};

export const playbacksResource: ResourceSpec = {
  name: 'playbacks',
  description: 'Playback control resources',
  models: ['Playback'],
  apis: [{ path: '/playbacks/{playbackId}', description: 'Control object for a playback operation.', operations: [get, stop] }],
};
