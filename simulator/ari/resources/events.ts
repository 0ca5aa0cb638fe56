/**
 * /events: the WebSocket apps receive their events on. Declared here for the docs (and for
 * ari-client, which needs the event models of this document); served by event-socket.ts on
 * the HTTP upgrade. A plain GET without an upgrade gets 426, as from Asterisk's WebSocket URI.
 */
import { AriError } from '../../core/api.js';
import { query, type OperationSpec, type ResourceSpec } from '../spec.js';
import { EVENT_BASE_MODELS, EVENT_MODELS } from '../swagger-models.js';

const eventWebsocket: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'eventWebsocket',
  summary: 'WebSocket connection for events.',
  responseClass: 'Message',
  parameters: [
    query('app', 'string', 'Applications to subscribe to.', { required: true, allowMultiple: true }),
    query('subscribeAll', 'boolean', 'Subscribe to all Asterisk events. If provided, the applications listed will be subscribed to all events, effectively disabling the application specific subscriptions.'),
  ],
  handle: () => {
    throw new AriError(426, 'Upgrade Required');
  },
};

export const eventsResource: ResourceSpec = {
  name: 'events',
  description: 'WebSocket resource',
  models: ['Channel', 'CallerID', 'DialplanCEP', 'Bridge', 'Playback', 'LiveRecording', 'DeviceState', ...Object.keys(EVENT_BASE_MODELS), ...Object.keys(EVENT_MODELS)],
  apis: [{ path: '/events', description: 'Events from Asterisk to applications', operations: [eventWebsocket], websocket: true }],
};
