/**
 * GET /asterisk/info and /asterisk/modules: what the Asterisk 22.10.1 of the traces reported
 * (fixtures/traces/env-asterisk.txt), for the modules a client of this project may check.
 */
import { arch, release } from 'node:os';
import type { AsteriskInfo, Module } from '../../engine/ari/models.js';
import { AriError } from './api.js';

export const ASTERISK_VERSION = '22.10.1';

type Row = [name: string, description: string, supportLevel: string];

const MODULES: readonly Row[] = [
  ['app_audiosocket.so', 'AudioSocket Application', 'extended'],
  ['app_echo.so', 'Simple Echo Application', 'core'],
  ['app_mixmonitor.so', 'Mixed Audio Monitoring Application', 'core'],
  ['app_playback.so', 'Sound File Playback Application', 'core'],
  ['app_stasis.so', 'Stasis dialplan application', 'core'],
  ['app_verbose.so', 'Send verbose output', 'core'],
  ['bridge_simple.so', 'Simple two channel bridging module', 'core'],
  ['bridge_softmix.so', 'Multi-party software based channel mixing', 'core'],
  ['bridge_holding.so', 'Holding bridge module', 'core'],
  ['chan_audiosocket.so', 'AudioSocket Channel', 'extended'],
  ['chan_bridge_media.so', 'Bridge Media Channel Driver', 'core'],
  ['codec_resample.so', 'SLIN Resampling Codec', 'core'],
  ['codec_ulaw.so', 'mu-Law Coder/Decoder', 'core'],
  ['format_pcm.so', 'Raw/Sun uLaw/ALaw 8KHz (PCM,PCMA,AU), G.722 16Khz', 'core'],
  ['format_sln.so', 'Raw Signed Linear Audio support (SLN) 8khz-192khz', 'core'],
  ['format_wav.so', 'Microsoft WAV/WAV16 format (8kHz/16kHz Signed Linear)', 'core'],
  ['func_logic.so', 'Logical dialplan functions', 'core'],
  ['func_uuid.so', 'UUID generation dialplan function', 'extended'],
  ['pbx_config.so', 'Text Extension Configuration', 'core'],
  ['res_ari.so', 'Asterisk RESTful Interface', 'core'],
  ['res_ari_applications.so', 'RESTful API module - Stasis application resources', 'core'],
  ['res_ari_asterisk.so', 'RESTful API module - Asterisk resources', 'core'],
  ['res_ari_bridges.so', 'RESTful API module - Bridge resources', 'core'],
  ['res_ari_channels.so', 'RESTful API module - Channel resources', 'core'],
  ['res_ari_events.so', 'RESTful API module - WebSocket resource', 'core'],
  ['res_ari_model.so', 'ARI Model validators', 'core'],
  ['res_ari_playbacks.so', 'RESTful API module - Playback control resources', 'core'],
  ['res_ari_recordings.so', 'RESTful API module - Recording resources', 'core'],
  ['res_audiosocket.so', 'AudioSocket support', 'extended'],
  ['res_http_websocket.so', 'HTTP WebSocket Support', 'core'],
  ['res_stasis.so', 'Stasis application support', 'core'],
  ['res_stasis_answer.so', 'Stasis application answer support', 'core'],
  ['res_stasis_playback.so', 'Stasis application playback support', 'core'],
  ['res_stasis_recording.so', 'Stasis application recording support', 'core'],
  ['res_stasis_snoop.so', 'Stasis application snoop support', 'core'],
];

export function listModules(): Module[] {
  return MODULES.map(([name, description, support_level]) => ({ name, description, use_count: 0, status: 'Running', support_level }));
}

/** A running module by name, with or without ".so". */
export function getModule(name: string): Module {
  const wanted = name.endsWith('.so') ? name : `${name}.so`;
  const found = listModules().find((m) => m.name === wanted);
  if (!found) throw new AriError(404, 'Module could not be found in running modules');
  return found;
}

export function asteriskInfo(entityId: string, startedAt: Date, reloadedAt: Date): AsteriskInfo {
  const ts = (d: Date): string => d.toISOString().replace('Z', '+0000');
  return {
    build: {
      os: 'Linux',
      kernel: release(),
      machine: arch() === 'x64' ? 'x86_64' : arch(),
      options: '',
      date: '2026-11-26 07:32:56 UTC',
      user: 'root',
    },
    system: { version: ASTERISK_VERSION, entity_id: entityId },
    config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
    status: { startup_time: ts(startedAt), last_reload_time: ts(reloadedAt) },
  };
}
