/**
 * What every check of one doctor run shares: the config, the ARI client, this run's ids and
 * timeouts, and the list of things to undo. Everything the doctor creates on the PBX is named
 * `ai-doctor-<runId>-...` so the final check can prove none of it is left.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriClient } from '../ari/client.js';
import type { EngineConfig } from '../config/load.js';
import type { Cleanup } from './cleanup.js';
import type { EventLog } from './event-log.js';

/** Prefix of every channel, bridge and playback id the doctor creates, in any run. */
export const DOCTOR_ID_PREFIX = 'ai-doctor-';

/**
 * The doctor's own Stasis app. A second WebSocket for the engine's app name would take the app
 * over from a running engine (Asterisk sends the engine ApplicationReplaced and routes its calls
 * to the doctor), so the doctor never opens one: it registers this throwaway name instead.
 */
export function doctorAppName(engineApp: string): string {
  return `${engineApp}-doctor`;
}

export interface DoctorTimeouts {
  /** Events WebSocket open, and a Local channel reaching Stasis. */
  eventsMs: number;
  /** From POST /play to PlaybackFinished. */
  playbackMs: number;
  /** From POST /channels/externalMedia to the connection presenting its UUID. */
  audiosocketMs: number;
  /** Hung-up channels disappearing from GET /channels. */
  cleanupMs: number;
}

export const DEFAULT_TIMEOUTS: DoctorTimeouts = { eventsMs: 5000, playbackMs: 5000, audiosocketMs: 5000, cleanupMs: 3000 };

export interface DoctorContext {
  cfg: EngineConfig;
  ari: AriClient;
  log: Logger;
  /** The ARI base URL (…/ari), for messages. */
  ariUrl: string;
  doctorApp: string;
  /** `ai-doctor-<runId>`: the start of every id this run creates. */
  idPrefix: string;
  timeouts: DoctorTimeouts;
  cleanup: Cleanup;
  /** Set once the events WebSocket is open; checks that need Stasis skip without it. */
  events?: EventLog;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}
