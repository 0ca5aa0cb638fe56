/**
 * POST /channels/externalMedia with encapsulation=audiosocket, transport=tcp: an AudioSocket
 * channel (chan_audiosocket.c) dialed to external_host, put into the app's Stasis with
 * args=[data] (s9). Audio written to the channel goes out as frames of the requested format
 * (slin16 → 0x12, 640 bytes per 20 ms); what the server sends is read from the channel.
 * Deleting the channel closes the connection with a FIN only (s9).
 */
import type { Channel } from '../../engine/ari/models.js';
import { isUuid } from '../../engine/audiosocket/codec.js';
import { AriError, type ExternalMediaParams } from './api.js';
import { AudioSocketLink, openSocket, splitHostPort, type LinkEnd } from './audiosocket-link.js';
import { SimChannel, type ChannelTech } from './channel.js';
import type { Core } from './core.js';
import { formatRate, isSlin } from './formats.js';
import { MAX_PUBLIC_UNIQUEID } from './ids.js';
import { convertRate, type MediaFrame } from './media.js';

interface Checked {
  host: string;
  port: number;
  rate: number;
  uuid: string;
}

/** Validation in the order of ast_ari_channels_external_media and chan_audiosocket's request. */
export function checkExternalMedia(core: Core, params: ExternalMediaParams): Checked {
  if (!params.app) throw new AriError(400, 'app cannot be empty');
  const encapsulation = params.encapsulation || 'rtp';
  const transport = params.transport || 'udp';
  if (transport === 'websocket' && encapsulation !== 'none') {
    throw new AriError(400, "encapsulation must be 'none' for websocket transport");
  }
  if (encapsulation === 'rtp' && transport !== 'udp') throw new AriError(400, "transport must be 'udp' for rtp encapsulation");
  if (encapsulation === 'audiosocket' && transport !== 'tcp') {
    throw new AriError(400, "transport must be 'tcp' for audiosocket encapsulation");
  }
  if (transport !== 'websocket' && params.connection_type === 'server') {
    throw new AriError(400, "'server' connection_type can only be used with the websocket transport");
  }
  if (!params.external_host) throw new AriError(400, 'external_host is required for all but websocket server connections');
  const hostPort = splitHostPort(params.external_host);
  if (!hostPort) throw new AriError(400, 'external_host must be <host>:<port> for all transports other than websocket');
  if (!params.format) throw new AriError(400, 'format cannot be empty');
  if (params.direction && !['both', 'in', 'out'].includes(params.direction)) {
    throw new AriError(400, 'Invalid direction specified');
  }
  if (encapsulation !== 'audiosocket') {
    core.log.warn({ encapsulation, transport }, 'the simulator provides externalMedia only with encapsulation=audiosocket');
    throw new AriError(501, `externalMedia with encapsulation=${encapsulation} is not simulated; use encapsulation=audiosocket`);
  }
  if (!params.data) throw new AriError(400, 'data can not be empty');
  if (params.channelId !== undefined && params.channelId.length > MAX_PUBLIC_UNIQUEID) {
    throw new AriError(400, `Uniqueid length exceeds maximum of ${MAX_PUBLIC_UNIQUEID}`);
  }
  const rate = formatRate(params.format);
  if (rate === undefined) throw new AriError(400, `Provided format (${params.format}) was not found`);
  if (!isSlin(params.format)) {
    core.log.error({ format: params.format }, 'AudioSocket carries only signed linear formats');
    throw new AriError(500, 'An internal error prevented this request from being handled');
  }
  if (params.channelId !== undefined && core.channels.has(params.channelId)) {
    throw new AriError(409, 'Channel with given unique ID already exists');
  }
  if (!isUuid(params.data)) {
    core.log.error({ data: params.data }, `Failed to parse UUID '${params.data}'`);
    throw new AriError(500, 'An internal error prevented this request from being handled');
  }
  return { host: hostPort.host, port: hostPort.port, rate, uuid: params.data };
}

class AudioSocketTech implements ChannelTech {
  link: AudioSocketLink | undefined;

  constructor(
    private readonly core: Core,
    private readonly rate: number,
  ) {}

  write(frame: MediaFrame): void {
    this.link?.sendAudio(convertRate(frame, this.rate));
  }

  sendDtmf(digit: string): void {
    this.link?.sendDtmf(digit);
  }

  destroy(): void {
    if (!this.link) return;
    this.core.links.delete(this.link);
    this.link.close();
  }
}

export interface ExternalMediaCall {
  channel: SimChannel;
  /** Resolves when connected and in Stasis; rejects (and hangs the channel up) if the connect fails. */
  ready: Promise<void>;
}

export function createExternalMedia(core: Core, params: ExternalMediaParams): ExternalMediaCall {
  const checked = checkExternalMedia(core, params);
  const service = params.external_host;
  const channel = new SimChannel({
    id: params.channelId ?? core.ids.uniqueId(),
    name: `AudioSocket/${service}-${checked.uuid}`,
    kind: 'audiosocket',
    state: 'Down',
    dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
    outgoing: true,
    nativeRate: checked.rate,
    lossyAudioSocketWrites: false,
  });
  const tech = new AudioSocketTech(core, checked.rate);
  channel.tech = tech;
  core.channels.set(channel.id, channel);
  core.emit(core.events.channelCreated(channel.snapshot()));
  core.setVar(channel, 'AUDIOSOCKET_UUID', checked.uuid);
  core.setVar(channel, 'AUDIOSOCKET_SERVICE', service);
  for (const [k, v] of Object.entries(params.variables ?? {})) core.setVar(channel, k, v);
  core.dialplanStep(channel, { app_name: 'AppDial2', app_data: '(Outgoing Line)' });

  const ready = openSocket(
    { host: checked.host, port: checked.port, refuse: core.connectFaults.refuse, delayMs: core.connectFaults.delayMs },
    channel.hangupSignal,
  ).then(
    (socket) => {
      if (channel.destroyed || core.closed) {
        socket.destroy();
        throw new AriError(500, 'An internal error prevented this request from being handled');
      }
      const link = new AudioSocketLink(socket, checked.uuid, {
        onAudio: (frame) => channel.deliverRead(frame),
        onEnd: (end) => onLinkEnd(core, channel, link, end),
      });
      tech.link = link;
      core.links.set(link, channel);
      core.scheduler.after(0, () => answerAndEnterStasis(core, channel, params.app, checked.uuid, service));
    },
    (err: Error) => {
      core.log.warn({ channel: channel.name, err: err.message }, `Connecting to '${service}' failed for url '${service}': ${err.message}`);
      core.log.error({ channel: channel.name }, 'Failed to connect to AudioSocket service');
      core.hangupSilently(channel, 0);
      throw new AriError(500, 'An internal error prevented this request from being handled');
    },
  );
  return { channel, ready };
}

/** Dial, answer and Stasis, in the order of s9. */
function answerAndEnterStasis(core: Core, channel: SimChannel, app: string, uuid: string, service: string): void {
  if (channel.destroyed) return;
  channel.apps.add(app);
  const dialstring = `${service}/${uuid}`;
  core.emitFor(channel, core.events.dial(channel.snapshot(), '', dialstring));
  core.setState(channel, 'Up');
  core.emitFor(channel, core.events.dial(channel.snapshot(), 'ANSWER', dialstring));
  channel.dialplan = { ...channel.dialplan, app_name: 'Stasis', app_data: `${app},${uuid}` };
  channel.directStasis = true;
  if (!core.enterStasis(channel, app, [uuid], false)) core.hangupSilently(channel, 0);
}

function onLinkEnd(core: Core, channel: SimChannel, link: AudioSocketLink, end: LinkEnd): void {
  core.links.delete(link);
  if (end.kind === 'error') {
    core.log.error({ channel: channel.name, reason: end.message }, "Failed to receive frame from AudioSocket server connected to channel");
  }
  // ast_read() returns NULL: Stasis lets the channel go and it is hung up.
  core.hangupSilently(channel, 0);
}

/** The externalMedia response: the channel plus its variables (chan vars list newest first). */
export function externalMediaResponse(channel: SimChannel): Channel {
  const vars = [...channel.vars.entries()].reverse();
  return { ...channel.snapshot(), channelvars: Object.fromEntries(vars) };
}
