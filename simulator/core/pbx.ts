/**
 * SimPbx: the simulated Asterisk 22 behind the ARI façade (api.ts `Pbx`). It owns the shared
 * state (core.ts), wires the dialplan executor, and answers each ARI operation with Asterisk's
 * own checks, statuses and messages (res/ari/resource_*.c).
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import type { AsteriskInfo, Bridge, Channel, LiveRecording, Module, Playback, StoredRecording } from '../../engine/ari/models.js';
import { DIALPLAN_APPS } from '../dialplan/exec-apps.js';
import { readVariable, SIMULATED_FUNCTIONS, substituteContext } from '../dialplan/exec-vars.js';
import { createPbxRunner } from '../dialplan/exec.js';
import { loadDialplan, parseExtensions } from '../dialplan/parse.js';
import type { Dialplan } from '../dialplan/dialplan.js';
import { DialplanError } from '../dialplan/error.js';
import { substitute } from '../dialplan/substitute.js';
import { validateDialplan } from '../dialplan/validate.js';
import {
  AriError,
  type BridgeCreateParams,
  type ContinueParams,
  type ExternalMediaParams,
  type OriginateParams,
  type Pbx,
  type PbxEventListener,
  type PlayParams,
  type RecordParams,
  type SimFaults,
  type SnoopParams,
} from './api.js';
import { SimBridge } from './bridge.js';
import { causeForReason, Cause } from './causes.js';
import type { SimChannel } from './channel.js';
import { Core } from './core.js';
import { createExternalMedia, externalMediaResponse } from './external-media.js';
import { Faults } from './faults.js';
import { Ids } from './ids.js';
import { originateLocal } from './local.js';
import { asteriskInfo, getModule, listModules } from './modules.js';
import { ASTERISK_SOUNDS, ASTERISK_SPOOL, PathMap } from './paths.js';
import { SimPlayback } from './playback.js';
import { deleteStored, findStored, listStored, startRecording } from './recording.js';
import { Scheduler } from './scheduler.js';
import { createSnoop } from './snoop.js';
import { SoundLibrary } from './sounds.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The project's own prompts (fixtures/sounds), always searched last. */
export const FIXTURE_SOUNDS = join(HERE, '..', '..', 'fixtures', 'sounds');

export interface SimPbxOptions {
  /** Folder holding extensions.conf (and what it #includes). */
  configDir: string;
  /** Where `sound:` names and Playback() files are looked up, in order. fixtures/sounds is appended. */
  soundDirs?: string[];
  /** Spool root: `recording/` for ARI recordings, `monitor/` for MixMonitor. */
  spoolDir: string;
  /**
   * Asterisk path prefix → local folder, for paths the dialplan and clients use. Defaults:
   * /var/spool/asterisk → spoolDir, /var/lib/asterisk/sounds → the first sound dir.
   */
  pathMap?: Record<string, string>;
  /** Shown as asterisk_id / entity_id; default "02:fc:00:00:00:01" as in the traces. */
  asteriskId?: string;
  logger?: Logger;
  /** Dialplan text instead of <configDir>/extensions.conf (tests). */
  extensionsConf?: string;
}

const DTMF_BETWEEN_MS = 100;
const DTMF_DEFAULT_DURATION_MS = 100;

export class SimPbx implements Pbx {
  readonly asteriskId: string;
  readonly faults: SimFaults;
  private readonly core: Core;
  private readonly scheduler: Scheduler;
  private dialplan: Dialplan;
  private readonly startedAt = new Date();
  private readonly reloadedAt = new Date();

  constructor(options: SimPbxOptions) {
    this.asteriskId = options.asteriskId ?? '02:fc:00:00:00:01';
    const log = options.logger ?? pino({ name: 'sim-pbx', level: 'info' });
    const soundDirs = [...(options.soundDirs ?? []), FIXTURE_SOUNDS];
    const paths = new PathMap({ [ASTERISK_SPOOL]: options.spoolDir, [ASTERISK_SOUNDS]: soundDirs[0], ...options.pathMap });
    mkdirSync(join(options.spoolDir, 'recording'), { recursive: true });
    mkdirSync(join(options.spoolDir, 'monitor'), { recursive: true });
    this.scheduler = new Scheduler((err) => log.error({ err }, 'media tick failed'));
    this.core = new Core({
      asteriskId: this.asteriskId,
      logger: log,
      scheduler: this.scheduler,
      ids: new Ids(this.startedAt),
      paths,
      soundDirs,
      spoolDir: options.spoolDir,
      sounds: new SoundLibrary(soundDirs, paths),
    });
    this.dialplan =
      options.extensionsConf !== undefined ? parseExtensions(options.extensionsConf, 'extensions.conf') : loadDialplan(options.configDir);
    this.checkDialplan();
    const core = this.core;
    core.dialplan = {
      exists: (context, exten, priority) => this.dialplan.hasExtension(context, exten, priority),
      findLabel: (context, exten, label) => this.dialplan.findLabel(context, exten, label)?.priority,
      global: (name) => this.dialplan.globals.get(name),
    };
    core.runPbx = createPbxRunner(core, () => this.dialplan, DIALPLAN_APPS);
    this.faults = new Faults(core);
  }

  /** Re-reads extensions.conf; calls already running keep the steps they had looked up. */
  reloadDialplan(configDir: string): void {
    this.dialplan = loadDialplan(configDir);
    this.checkDialplan();
  }

  private checkDialplan(): void {
    for (const w of this.dialplan.warnings) this.core.log.warn({ file: w.file, line: w.line }, w.message);
    const errors = validateDialplan(this.dialplan, { apps: DIALPLAN_APPS.keys(), functions: SIMULATED_FUNCTIONS });
    for (const e of errors) {
      this.core.log.error({ code: e.code, file: e.file, line: e.line }, `${e.message} (a call reaching it will be hung up)`);
    }
  }

  /** Timers and tick listeners held, and open AudioSocket connections (leak checks). */
  get stats(): { channels: number; bridges: number; playbacks: number; timers: number; links: number } {
    return {
      channels: this.core.channels.size,
      bridges: this.core.bridges.size,
      playbacks: this.core.playbacks.size,
      timers: this.scheduler.pending,
      links: this.core.links.size,
    };
  }

  onEvent(listener: PbxEventListener): () => void {
    return this.core.onEvent(listener);
  }

  registerApp(app: string): void {
    this.core.registeredApps.add(app);
  }

  /** The app's channels stay in Stasis, as in Asterisk when its WebSocket drops. */
  unregisterApp(app: string): void {
    this.core.registeredApps.delete(app);
  }

  // ---- channels ----

  listChannels(): Channel[] {
    return [...this.core.channels.values()].map((c) => c.snapshot());
  }

  getChannel(id: string): Channel {
    return this.channel(id).snapshot();
  }

  originate(params: OriginateParams): Channel {
    return originateLocal(this.core, params).snapshot();
  }

  hangup(id: string, reason?: string): void {
    const channel = this.channel(id);
    let cause: number = Cause.NormalClearing;
    if (reason) {
      const byName = causeForReason(reason);
      if (byName !== undefined) cause = byName;
      else if (/^\d+$/.test(reason)) cause = Number(reason);
      else throw new AriError(400, 'Invalid reason for hangup reason provided');
    }
    // Asterisk answers the DELETE and then tears the channel down: the hangup events follow the
    // 204 (s2, s7, s9, s11, s12; in s3 and s6 the first one raced ahead of it).
    this.scheduler.after(0, () => {
      if (!channel.destroyed) this.core.hangupExplicit(channel, cause);
    });
  }

  answer(id: string): void {
    const channel = this.control(id);
    this.checkState(channel);
    this.core.answer(channel);
  }

  getVariable(id: string, name: string): string {
    if (!name) throw new AriError(400, 'Variable name is required');
    const channel = this.core.channels.get(id);
    if (!channel) throw new AriError(404, 'Provided channel was not found');
    if (name.endsWith(')')) {
      try {
        return substitute(`\${${name}}`, substituteContext(this.core, channel), { file: 'ari', line: 0 });
      } catch (err) {
        if (err instanceof DialplanError) throw new AriError(500, 'Unable to read provided function');
        throw err;
      }
    }
    const value = readVariable(this.core, channel, name);
    if (value === undefined) throw new AriError(404, 'Provided variable was not found');
    return value;
  }

  setVariable(id: string, name: string, value: string): void {
    if (!name) throw new AriError(400, 'Variable name is required');
    const channel = this.control(id);
    const fn = /^([A-Za-z_]+)\((.*)\)$/.exec(name);
    if (!fn) {
      this.core.setVar(channel, name, value);
      return;
    }
    const [, func, arg] = fn;
    if (func === 'GLOBAL') this.core.runtimeGlobals.set(arg, value);
    else if (func === 'CALLERID' && (arg === 'num' || arg === 'number')) channel.caller = { ...channel.caller, number: value };
    else if (func === 'CALLERID' && arg === 'name') channel.caller = { ...channel.caller, name: value };
    else throw new AriError(400, 'Failed to execute function');
  }

  snoop(id: string, params: SnoopParams): Channel {
    return createSnoop(this.core, id, params).snapshot();
  }

  continueInDialplan(id: string, params: ContinueParams): void {
    const channel = this.control(id);
    this.checkState(channel);
    let context: string;
    let exten: string;
    if (!params.context) {
      context = channel.dialplan.context;
      exten = params.extension || channel.dialplan.exten;
    } else {
      context = params.context;
      exten = params.extension || 's';
    }
    let priority: number;
    if (params.label) {
      const n = Number.parseInt(params.label, 10);
      if (Number.isNaN(n)) {
        const found = this.dialplan.findLabel(context, exten, params.label);
        if (!found) throw new AriError(404, 'Requested label can not be found');
        priority = found.priority;
      } else priority = n;
      if (priority === 0) throw new AriError(400, 'Requested priority is illegal');
    } else if (params.priority) {
      priority = params.priority;
    } else if (!params.context && !params.extension) {
      priority = channel.dialplan.priority + 1;
    } else {
      priority = 1;
    }
    const to = { context, exten, priority };
    // The command runs on the channel once the 204 is out: StasisEnd follows it (s6, s12).
    this.scheduler.after(0, () => {
      if (channel.destroyed || !channel.stasis) return;
      const viaDialplan = channel.stasis.viaDialplan;
      this.core.leaveStasis(channel, 'continue');
      if (viaDialplan) channel.stasisExit?.(to);
      else void this.core.runPbx(channel, to, { appUnload: false });
    });
  }

  play(id: string, params: PlayParams): Playback {
    const channel = this.control(id);
    this.checkState(channel);
    const playback = this.newPlayback(params, channel.language, { kind: 'channel', channel });
    this.core.control(channel).enqueue(playback);
    return playback.json();
  }

  record(id: string, params: RecordParams): LiveRecording {
    if (params.maxDurationSeconds !== undefined && params.maxDurationSeconds < 0) {
      throw new AriError(400, 'max_duration_seconds cannot be negative');
    }
    if (params.maxSilenceSeconds !== undefined && params.maxSilenceSeconds < 0) {
      throw new AriError(400, 'max_silence_seconds cannot be negative');
    }
    const channel = this.control(id);
    return startRecording(this.core, channel, params).json();
  }

  sendDtmf(id: string, dtmf: string, durationMs?: number): void {
    const channel = this.control(id);
    this.checkState(channel);
    if (!dtmf) throw new AriError(400, 'DTMF is required');
    const duration = durationMs && durationMs > 0 ? durationMs : DTMF_DEFAULT_DURATION_MS;
    let at = 0;
    for (const digit of dtmf) {
      if (digit === ',') {
        at += 500;
        continue;
      }
      at += DTMF_BETWEEN_MS + duration;
      // The digit reaches the far end when it ends (DTMF_END), as ChannelDtmfReceived in s2 shows.
      const cancel = this.scheduler.after(at, () => {
        if (!channel.destroyed) channel.tech?.sendDtmf(digit, duration);
      });
      channel.onDestroy.push(cancel);
    }
  }

  externalMedia(params: ExternalMediaParams): Channel {
    const call = createExternalMedia(this.core, params);
    call.ready.catch(() => undefined);
    return externalMediaResponse(call.channel);
  }

  async externalMediaAsync(params: ExternalMediaParams): Promise<Channel> {
    const call = createExternalMedia(this.core, params);
    const response = externalMediaResponse(call.channel);
    await call.ready;
    return response;
  }

  // ---- bridges ----

  listBridges(): Bridge[] {
    return [...this.core.bridges.values()].map((b) => b.snapshot());
  }

  getBridge(id: string): Bridge {
    return this.bridge(id).snapshot();
  }

  createBridge(params: BridgeCreateParams): Bridge {
    const id = params.bridgeId || randomUUID();
    if (this.core.bridges.has(id)) throw new AriError(409, `Bridge with id '${id}' already exists`);
    const types = (params.type || 'mixing').split(',').map((t) => t.trim()).filter((t) => t !== '');
    const known = ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'];
    if (types.some((t) => !known.includes(t))) throw new AriError(500, 'Unable to create bridge');
    const bridge = new SimBridge(this.core, id, params.name ?? '', types.includes('holding') ? 'holding' : 'mixing');
    this.core.bridges.set(id, bridge);
    this.core.emit(this.core.events.bridgeCreated(bridge.snapshot()));
    return bridge.snapshot();
  }

  addChannel(bridgeId: string, channelIds: string[]): void {
    const bridge = this.bridge(bridgeId);
    const channels = this.bridgeMembers(channelIds);
    for (const channel of channels) bridge.add(channel);
  }

  removeChannel(bridgeId: string, channelIds: string[]): void {
    const bridge = this.bridge(bridgeId);
    const channels = this.bridgeMembers(channelIds);
    for (const channel of channels) {
      if (channel.bridgeId !== bridge.id) throw new AriError(422, 'Channel not in this bridge');
    }
    for (const channel of channels) bridge.remove(channel);
  }

  destroyBridge(id: string): void {
    const bridge = this.bridge(id);
    this.core.bridges.delete(id);
    bridge.destroy();
  }

  playOnBridge(id: string, params: PlayParams): Playback {
    const bridge = this.bridge(id);
    const playback = this.newPlayback(params, 'en', { kind: 'bridge', bridge });
    bridge.playbacks.enqueue(playback);
    return playback.json();
  }

  // ---- playbacks ----

  getPlayback(id: string): Playback {
    const playback = this.core.playbacks.get(id);
    if (!playback) throw new AriError(404, 'Playback not found');
    return playback.json();
  }

  stopPlayback(id: string): void {
    const playback = this.core.playbacks.get(id);
    if (!playback) throw new AriError(404, 'Playback not found');
    playback.stop();
  }

  // ---- recordings ----

  getLiveRecording(name: string): LiveRecording {
    const run = this.core.liveRecordings.get(name);
    if (!run) throw new AriError(404, 'Recording not found');
    return run.json();
  }

  stopLiveRecording(name: string): void {
    const run = this.core.liveRecordings.get(name);
    if (!run) throw new AriError(404, 'Recording not found');
    run.stop();
  }

  listStoredRecordings(): StoredRecording[] {
    return listStored(this.core);
  }

  getStoredRecording(name: string): StoredRecording {
    const { format } = findStored(this.core, name);
    return { name, format };
  }

  storedRecordingFile(name: string): { path: string; contentType: string } {
    const { path, contentType } = findStored(this.core, name);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new AriError(403, 'Recording could not be opened');
    }
    return { path, contentType };
  }

  deleteStoredRecording(name: string): void {
    deleteStored(this.core, name);
  }

  // ---- asterisk ----

  info(): AsteriskInfo {
    return asteriskInfo(this.asteriskId, this.startedAt, this.reloadedAt);
  }

  getModule(name: string): Module {
    return getModule(name);
  }

  listModules(): Module[] {
    return listModules();
  }

  async close(): Promise<void> {
    if (this.core.closed) return;
    this.core.closed = true;
    for (const channel of [...this.core.channels.values()]) this.core.destroy(channel);
    for (const bridge of [...this.core.bridges.values()]) bridge.destroy();
    this.core.bridges.clear();
    for (const link of [...this.core.links.keys()]) link.destroy();
    this.core.links.clear();
    this.scheduler.close();
    this.core.playbacks.clear();
    this.core.liveRecordings.clear();
    // Let file writers started by the last hangups finish.
    await new Promise((resolve) => setImmediate(resolve));
  }

  // ---- helpers ----

  private channel(id: string): SimChannel {
    const channel = this.core.channels.get(id);
    if (!channel) throw new AriError(404, 'Channel not found');
    return channel;
  }

  /** find_control: the channel must exist (404) and be in Stasis (409). */
  private control(id: string): SimChannel {
    const channel = this.channel(id);
    if (!channel.stasis) throw new AriError(409, 'Channel not in Stasis application');
    return channel;
  }

  /** channel_state_invalid: Down, Rsrved and Ringing channels refuse state and media operations. */
  private checkState(channel: SimChannel): void {
    if (channel.state === 'Down' || channel.state === 'Rsrved' || channel.state === 'Ringing') {
      throw new AriError(412, 'Channel in invalid state');
    }
  }

  private bridge(id: string): SimBridge {
    const bridge = this.core.bridges.get(id);
    if (!bridge) throw new AriError(404, 'Bridge not found');
    return bridge;
  }

  /** control_list_create: 400 for a missing or unknown channel, 422 for one not in Stasis. */
  private bridgeMembers(ids: string[]): SimChannel[] {
    const wanted = ids.filter((id) => id !== '');
    if (wanted.length === 0) throw new AriError(400, 'Missing parameter channel');
    return wanted.map((id) => {
      const channel = this.core.channels.get(id);
      if (!channel) throw new AriError(400, 'Channel not found');
      if (!channel.stasis) throw new AriError(422, 'Channel not in Stasis application');
      return channel;
    });
  }

  private newPlayback(params: PlayParams, defaultLanguage: string, target: ConstructorParameters<typeof SimPlayback>[4]): SimPlayback {
    if (params.skipms !== undefined && params.skipms < 0) throw new AriError(400, 'skipms cannot be negative');
    if (params.offsetms !== undefined && params.offsetms < 0) throw new AriError(400, 'offsetms cannot be negative');
    const id = params.playbackId || randomUUID();
    if (this.core.playbacks.has(id)) throw new AriError(500, 'Failed to queue media for playback');
    const playback = new SimPlayback(this.core, id, params.media, params.lang || defaultLanguage, target, params.offsetms ?? 0);
    this.core.playbacks.set(id, playback);
    return playback;
  }
}

