/**
 * /recordings: live recordings (inspect, stop) and stored ones (list, inspect, delete, fetch
 * the audio file as binary).
 */
import { noContent, ok, pathParam, type OperationSpec, type ResourceSpec } from '../spec.js';

const recordingName = pathParam('recordingName', "The name of the recording");

const listStored: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'listStored',
  summary: 'List recordings that are complete.',
  responseClass: 'List[StoredRecording]',
  parameters: [],
  handle: ({ pbx }) => ok(pbx.listStoredRecordings()),
};

const getStored: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'getStored',
  summary: "Get a stored recording's details.",
  responseClass: 'StoredRecording',
  parameters: [recordingName],
  errorResponses: [{ code: 404, reason: 'Recording not found' }],
  handle: ({ pbx, path }) => ok(pbx.getStoredRecording(path.recordingName)),
};

const deleteStored: OperationSpec = {
  httpMethod: 'DELETE',
  nickname: 'deleteStored',
  summary: 'Delete a stored recording.',
  responseClass: 'void',
  parameters: [recordingName],
  errorResponses: [{ code: 404, reason: 'Recording not found' }],
  handle: ({ pbx, path }) => {
    pbx.deleteStoredRecording(path.recordingName);
    return noContent();
  },
};

const getStoredFile: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'getStoredFile',
  summary: 'Get the file associated with the stored recording.',
  responseClass: 'binary',
  parameters: [recordingName],
  errorResponses: [
    { code: 403, reason: 'The recording file could not be opened' },
    { code: 404, reason: 'Recording not found' },
  ],
  handle: ({ pbx, path }) => ({ status: 200, file: pbx.storedRecordingFile(path.recordingName) }),
};

const getLive: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'getLive',
  summary: 'List live recordings.',
  responseClass: 'LiveRecording',
  parameters: [recordingName],
  errorResponses: [{ code: 404, reason: 'Recording not found' }],
  handle: ({ pbx, path }) => ok(pbx.getLiveRecording(path.recordingName)),
};

const stop: OperationSpec = {
  httpMethod: 'POST',
  nickname: 'stop',
  summary: 'Stop a live recording and store it.',
  responseClass: 'void',
  parameters: [recordingName],
  errorResponses: [{ code: 404, reason: 'Recording not found' }],
  handle: ({ pbx, path }) => {
    pbx.stopLiveRecording(path.recordingName);
    return noContent();
  },
};

export const recordingsResource: ResourceSpec = {
  name: 'recordings',
  description: 'Recording resources',
  models: ['StoredRecording', 'LiveRecording'],
  apis: [
    { path: '/recordings/stored', description: 'Recordings', operations: [listStored] },
    { path: '/recordings/stored/{recordingName}', description: 'Individual recording', operations: [getStored, deleteStored] },
    { path: '/recordings/stored/{recordingName}/file', description: 'The actual file associated with the stored recording', operations: [getStoredFile] },
    { path: '/recordings/live/{recordingName}', description: 'A recording that is in progress', operations: [getLive] },
    { path: '/recordings/live/{recordingName}/stop', description: 'Stop a live recording and store it', operations: [stop] },
  ],
};
