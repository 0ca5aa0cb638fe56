/** Every ARI resource the simulator serves, in the order resources.json lists them. */
import type { ResourceSpec } from '../spec.js';
import { asteriskResource } from './asterisk.js';
import { bridgesResource } from './bridges.js';
import { channelsResource } from './channels.js';
import { eventsResource } from './events.js';
import { playbacksResource } from './playbacks.js';
import { recordingsResource } from './recordings.js';

export const ARI_RESOURCES: readonly ResourceSpec[] = [
  asteriskResource,
  bridgesResource,
  channelsResource,
  eventsResource,
  playbacksResource,
  recordingsResource,
];
