/**
 * A tiny in-memory Pbx for the façade's own tests: it records every call, keeps channels,
 * bridges and playbacks in maps, and lets a test emit any event with any route. It models no
 * telephony; the real model is SimPbx in simulator/core.
 */
import { ariTimestamp, type Bridge, type Channel, type PbxEvent, type Playback } from '../../../engine/ari/models.js';
import { AriError, type EventRoute, type Pbx, type PbxEventListener, type SimFaults } from '../../core/api.js';

export interface RecordedCall {
  method: string;
  args: unknown[];
}

export function fakeChannel(id: string, overrides: Partial<Channel> = {}): Channel {
  return {
    id,
    name: `Local/s@test-00000001;1`,
    state: 'Up',
    protocol_id: '',
    caller: { name: '', number: '' },
    connected: { name: '', number: '' },
    accountcode: '',
    dialplan: { context: 'test', exten: 's', priority: 1, app_name: 'Stasis', app_data: 'app' },
    creationtime: ariTimestamp(),
    language: 'en',
    ...overrides,
  };
}

/** Records the fault calls; `dropAudioSocket` succeeds for channels listed in `withAudioSocket`. */
export class FakeFaults implements SimFaults {
  readonly calls: RecordedCall[] = [];
  readonly withAudioSocket = new Set<string>();
  refuseAudioSocketConnects(refuse: boolean): void {
    this.calls.push({ method: 'refuseAudioSocketConnects', args: [refuse] });
  }
  delayAudioSocketConnects(ms: number): void {
    this.calls.push({ method: 'delayAudioSocketConnects', args: [ms] });
  }
  dropAudioSocket(channelId: string, how?: 'reset' | 'close'): boolean {
    this.calls.push({ method: 'dropAudioSocket', args: [channelId, how] });
    return this.withAudioSocket.has(channelId);
  }
  hangupAfter(channelId: string, ms: number, cause?: number): void {
    this.calls.push({ method: 'hangupAfter', args: [channelId, ms, cause] });
  }
  clear(): void {
    this.calls.push({ method: 'clear', args: [] });
  }
}

export class FakePbx implements Pbx {
  readonly asteriskId = '02:fc:00:00:00:99';
  readonly calls: RecordedCall[] = [];
  readonly channels = new Map<string, Channel>();
  readonly bridges = new Map<string, Bridge>();
  readonly playbacks = new Map<string, Playback>();
  readonly variables = new Map<string, string>();
  readonly registeredApps = new Set<string>();
  storedFile: { path: string; contentType: string } | undefined;
  /** Set to offer fault injection; undefined models a PBX without it. */
  faults: FakeFaults | undefined;
  /** Set to make externalMedia answer asynchronously, like SimPbx waiting for its TCP connect. */
  externalMediaAsync: Pbx['externalMediaAsync'];
  private readonly listeners = new Set<PbxEventListener>();
  private nextId = 1;

  private log(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  callsTo(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  emit(event: PbxEvent, apps: string[]): void {
    const route: EventRoute = { apps: new Set(apps) };
    for (const l of this.listeners) l(event, route);
  }

  onEvent(listener: PbxEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  registerApp(app: string): void {
    this.log('registerApp', app);
    this.registeredApps.add(app);
  }

  unregisterApp(app: string): void {
    this.log('unregisterApp', app);
    this.registeredApps.delete(app);
  }

  listChannels(): Channel[] {
    return [...this.channels.values()];
  }

  getChannel(id: string): Channel {
    const c = this.channels.get(id);
    if (!c) throw new AriError(404, 'Channel not found');
    return c;
  }

  originate(params: Parameters<Pbx['originate']>[0]): Channel {
    this.log('originate', params);
    const id = params.channelId ?? `fake-${this.nextId++}`;
    if (this.channels.has(id)) throw new AriError(409, 'Channel with given unique ID already exists');
    const channel = fakeChannel(id, { state: 'Down', name: `${params.endpoint}-0000000${this.nextId};1` });
    this.channels.set(id, channel);
    return channel;
  }

  hangup(id: string, reason?: string): void {
    this.log('hangup', id, reason);
    this.getChannel(id);
    this.channels.delete(id);
  }

  answer(id: string): void {
    this.log('answer', id);
    this.getChannel(id).state = 'Up';
  }

  getVariable(id: string, name: string): string {
    this.getChannel(id);
    const v = this.variables.get(`${id}/${name}`);
    if (v === undefined) throw new AriError(404, 'Provided variable was not found');
    return v;
  }

  setVariable(id: string, name: string, value: string): void {
    this.log('setVariable', id, name, value);
    this.getChannel(id);
    this.variables.set(`${id}/${name}`, value);
  }

  snoop(id: string, params: Parameters<Pbx['snoop']>[1]): Channel {
    this.log('snoop', id, params);
    this.getChannel(id);
    const snoop = fakeChannel(params.snoopId ?? `snoop-${this.nextId++}`, { name: `Snoop/${id}-00000001` });
    this.channels.set(snoop.id, snoop);
    return snoop;
  }

  continueInDialplan(id: string, params: Parameters<Pbx['continueInDialplan']>[1]): void {
    this.log('continueInDialplan', id, params);
    this.getChannel(id);
  }

  play(id: string, params: Parameters<Pbx['play']>[1]): Playback {
    this.log('play', id, params);
    this.getChannel(id);
    return this.newPlayback(`channel:${id}`, params.media, params.playbackId);
  }

  private newPlayback(target: string, media: string[], id: string | undefined): Playback {
    const playback: Playback = {
      id: id ?? `pb-${this.nextId++}`,
      media_uri: media[0] ?? '',
      ...(media.length > 1 ? { next_media_uri: media[1] } : {}),
      target_uri: target,
      language: 'en',
      state: 'queued',
    };
    this.playbacks.set(playback.id, playback);
    return playback;
  }

  record(id: string, params: Parameters<Pbx['record']>[1]): ReturnType<Pbx['record']> {
    this.log('record', id, params);
    this.getChannel(id);
    return { name: params.name, format: params.format, state: 'queued', target_uri: `channel:${id}` };
  }

  sendDtmf(id: string, dtmf: string, durationMs?: number): void {
    this.log('sendDtmf', id, dtmf, durationMs);
    this.getChannel(id);
  }

  externalMedia(params: Parameters<Pbx['externalMedia']>[0]): Channel {
    this.log('externalMedia', params);
    const channel = fakeChannel(params.channelId ?? `ext-${this.nextId++}`, {
      name: `AudioSocket/${params.external_host}-${params.data ?? ''}`,
      state: 'Down',
    });
    this.channels.set(channel.id, channel);
    return channel;
  }

  listBridges(): Bridge[] {
    return [...this.bridges.values()];
  }

  getBridge(id: string): Bridge {
    const b = this.bridges.get(id);
    if (!b) throw new AriError(404, 'Bridge not found');
    return b;
  }

  createBridge(params: Parameters<Pbx['createBridge']>[0]): Bridge {
    this.log('createBridge', params);
    const bridge: Bridge = {
      id: params.bridgeId ?? `br-${this.nextId++}`,
      technology: 'simple_bridge',
      bridge_type: 'mixing',
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: params.name ?? '',
      channels: [],
      creationtime: ariTimestamp(),
      video_mode: 'none',
    };
    this.bridges.set(bridge.id, bridge);
    return bridge;
  }

  addChannel(bridgeId: string, channelIds: string[]): void {
    this.log('addChannel', bridgeId, channelIds);
    this.getBridge(bridgeId).channels.push(...channelIds);
  }

  removeChannel(bridgeId: string, channelIds: string[]): void {
    this.log('removeChannel', bridgeId, channelIds);
    const b = this.getBridge(bridgeId);
    b.channels = b.channels.filter((c) => !channelIds.includes(c));
  }

  destroyBridge(id: string): void {
    this.log('destroyBridge', id);
    this.getBridge(id);
    this.bridges.delete(id);
  }

  playOnBridge(id: string, params: Parameters<Pbx['playOnBridge']>[1]): Playback {
    this.log('playOnBridge', id, params);
    this.getBridge(id);
    return this.newPlayback(`bridge:${id}`, params.media, params.playbackId);
  }

  getPlayback(id: string): Playback {
    const p = this.playbacks.get(id);
    if (!p) throw new AriError(404, 'Playback not found');
    return p;
  }

  stopPlayback(id: string): void {
    this.log('stopPlayback', id);
    this.getPlayback(id);
    this.playbacks.delete(id);
  }

  getLiveRecording(name: string): ReturnType<Pbx['getLiveRecording']> {
    throw new AriError(404, `Recording not found: ${name}`);
  }

  stopLiveRecording(name: string): void {
    this.log('stopLiveRecording', name);
  }

  listStoredRecordings(): ReturnType<Pbx['listStoredRecordings']> {
    return this.storedFile ? [{ name: 'stored', format: 'wav' }] : [];
  }

  getStoredRecording(name: string): ReturnType<Pbx['getStoredRecording']> {
    if (name !== 'stored' || !this.storedFile) throw new AriError(404, 'Recording not found');
    return { name, format: 'wav' };
  }

  storedRecordingFile(name: string): { path: string; contentType: string } {
    this.getStoredRecording(name);
    return this.storedFile as { path: string; contentType: string };
  }

  deleteStoredRecording(name: string): void {
    this.log('deleteStoredRecording', name);
    this.getStoredRecording(name);
  }

  info(): ReturnType<Pbx['info']> {
    return {
      system: { version: '22.10.1', entity_id: this.asteriskId },
      config: { name: 'sim', default_language: 'en', setid: { user: '', group: '' } },
      status: { startup_time: ariTimestamp(), last_reload_time: ariTimestamp() },
    };
  }

  listModules(): ReturnType<NonNullable<Pbx['listModules']>> {
    return [this.getModule('res_ari.so')];
  }

  getModule(name: string): ReturnType<Pbx['getModule']> {
    if (name !== 'res_ari.so') throw new AriError(404, 'Module could not be found in running modules');
    return { name, description: 'Asterisk RESTful Interface', use_count: 0, status: 'Running', support_level: 'core' };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
