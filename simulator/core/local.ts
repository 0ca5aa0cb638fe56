/**
 * ARI originate of a Local channel: the ;1 half is dialed and goes to the ARI app (or to a
 * dialplan location), the ;2 half runs the dialplan at exten@context. What is written to one half
 * is read from the other, at once (s11: a burst arrives in a burst).
 *
 * Event order copied from the traces: ChannelCreated ;1, ;2, ChannelDialplan ;1 AppDial2 and
 * the ;1 variables reach only the firehose; the HTTP answer goes out; then the originating app is
 * subscribed to both halves (it sees the ;2 variables, s3), Dial, the ;2 dialplan, and on
 * Answer: ChannelStateChange ;2, ;1, Dial ANSWER, STASISSTATUS, StasisStart.
 */
import { AriError, type OriginateParams } from './api.js';
import { SimChannel, type ChannelTech } from './channel.js';
import type { Core } from './core.js';
import { Cause } from './causes.js';
import { formatRate, LOCAL_DEFAULT_RATE } from './formats.js';
import { MAX_PUBLIC_UNIQUEID } from './ids.js';
import type { MediaFrame } from './media.js';

class LocalTech implements ChannelTech {
  constructor(
    private readonly core: Core,
    private readonly self: SimChannel,
  ) {}

  write(frame: MediaFrame): void {
    const peer = this.self.localPeer;
    if (peer && !peer.destroyed) peer.deliverRead(frame);
  }

  sendDtmf(digit: string, durationMs: number): void {
    const peer = this.self.localPeer;
    if (!peer || peer.destroyed) return;
    this.core.emitFor(peer, this.core.events.channelDtmfReceived(peer.snapshot(), digit, durationMs));
    peer.deliverDtmf(digit, durationMs);
  }

  destroy(): void {}
}

interface LocalEndpoint {
  exten: string;
  context: string;
}

/** `Local/exten@context[/options]`; the context defaults to "default" as in chan_local. */
export function parseLocalEndpoint(endpoint: string): LocalEndpoint | undefined {
  const slash = endpoint.indexOf('/');
  if (slash <= 0) return undefined;
  const tech = endpoint.slice(0, slash);
  const rest = endpoint.slice(slash + 1);
  if (tech.toLowerCase() !== 'local' || rest === '') return undefined;
  const dest = rest.split('/')[0];
  const at = dest.indexOf('@');
  return at < 0 ? { exten: dest, context: 'default' } : { exten: dest.slice(0, at), context: dest.slice(at + 1) || 'default' };
}

/** Validates originate parameters the way resource_channels.c does, in the same order. */
export function checkOriginate(core: Core, params: OriginateParams): void {
  for (const id of [params.channelId, params.otherChannelId]) {
    if (id !== undefined && id.length > MAX_PUBLIC_UNIQUEID) {
      throw new AriError(400, `Uniqueid length exceeds maximum of ${MAX_PUBLIC_UNIQUEID}`);
    }
  }
  if (!params.endpoint) throw new AriError(400, 'Endpoint must be specified');
  if (params.originator && params.formats) throw new AriError(400, "Originator and formats can't both be specified");
  const slash = params.endpoint.indexOf('/');
  if (slash <= 0 || slash === params.endpoint.length - 1) throw new AriError(400, 'Invalid endpoint specified');
  if (!params.app && !params.extension) throw new AriError(400, 'Application or extension must be specified');
  if (params.label && !params.app) {
    const n = Number.parseInt(params.label, 10);
    if (Number.isNaN(n)) {
      const found = core.dialplan.findLabel(params.context || 'default', params.extension!, params.label);
      if (found === undefined) throw new AriError(404, 'Requested label can not be found');
    } else if (n === 0) {
      throw new AriError(400, 'Requested priority is illegal');
    }
  }
  if (params.originator && !core.channels.has(params.originator)) {
    throw new AriError(400, 'Provided originator channel was not found');
  }
  if (params.formats) {
    for (const name of params.formats.split(',')) {
      if (formatRate(name) === undefined) throw new AriError(400, `Provided format (${name.trim()}) was not found`);
    }
  }
  for (const id of [params.channelId, params.otherChannelId]) {
    if (id !== undefined && core.channels.has(id)) throw new AriError(409, 'Channel with given unique ID already exists');
  }
}

export function originateLocal(core: Core, params: OriginateParams): SimChannel {
  checkOriginate(core, params);
  const endpoint = parseLocalEndpoint(params.endpoint);
  if (!endpoint) {
    core.log.warn({ endpoint: params.endpoint }, 'the simulator dials only Local/ endpoints');
    throw new AriError(500, 'Allocation failed');
  }
  const firstFormat = params.formats?.split(',')[0];
  const nativeRate = (firstFormat && formatRate(firstFormat)) || LOCAL_DEFAULT_RATE;
  const lossy = !params.formats;
  const id1 = params.channelId ?? core.ids.uniqueId();
  const id2 = params.otherChannelId ?? (params.channelId !== undefined ? `${params.channelId};2` : core.ids.uniqueId());
  if (core.channels.has(id2)) throw new AriError(409, 'Channel with given unique ID already exists');
  const seq = core.ids.nextLocal();
  const base = `Local/${endpoint.exten}@${endpoint.context}-${seq}`;
  const at = { context: endpoint.context, exten: endpoint.exten, priority: 1, app_name: '', app_data: '' };
  const one = new SimChannel({ id: id1, name: `${base};1`, kind: 'local', state: 'Down', dialplan: at, outgoing: true, nativeRate, lossyAudioSocketWrites: lossy });
  const two = new SimChannel({ id: id2, name: `${base};2`, kind: 'local', state: 'Ring', dialplan: at, outgoing: false, nativeRate, lossyAudioSocketWrites: lossy });
  one.localPeer = two;
  two.localPeer = one;
  one.tech = new LocalTech(core, one);
  two.tech = new LocalTech(core, two);
  if (params.callerId) {
    const caller = parseCallerId(params.callerId);
    one.caller = caller;
    two.caller = { ...caller };
  }
  core.channels.set(one.id, one);
  core.channels.set(two.id, two);
  core.emit(core.events.channelCreated(one.snapshot()));
  core.emit(core.events.channelCreated(two.snapshot()));
  core.dialplanStep(one, { app_name: 'AppDial2', app_data: '(Outgoing Line)' });
  const vars = Object.entries(params.variables ?? {});
  for (const [k, v] of vars) core.setVar(one, k, v);
  // ;2 inherits the variables at once (a GET right after the answer finds them); its
  // ChannelVarset events go out with the rest of the call, after the answer (see below).
  for (const [k, v] of vars) two.vars.set(k, v);
  const dialstring = `${endpoint.exten}@${endpoint.context}`;

  let cancelTimeout = (): void => {};
  one.onAnswered = () => {
    cancelTimeout();
    core.emitFor(one, core.events.dial(one.snapshot(), 'ANSWER', dialstring));
    if (params.app) {
      const appData = params.appArgs ? `${params.app},${params.appArgs}` : params.app;
      one.dialplan = { ...one.dialplan, app_name: 'Stasis', app_data: appData };
      one.directStasis = true;
      if (!core.enterStasis(one, params.app, splitAppArgs(params.appArgs), false)) core.hangupSilently(one, 0);
    } else {
      const context = params.context || 'default';
      const exten = params.extension!;
      const priority = resolvePriority(core, context, exten, params);
      void core.runPbx(one, { context, exten, priority }, { appUnload: true });
    }
  };

  const timeoutMs = params.timeout === -1 ? undefined : (params.timeout && params.timeout > 0 ? params.timeout : 30) * 1000;
  // Everything the originating app hears of the call comes after the HTTP answer, as with
  // Asterisk (s3: ;2's ChannelVarset 0.4 ms after the 200; s9: Dial 0.6 ms after): the app is
  // subscribed, and the dial started, on the next turn of the event loop, once the façade has
  // written the answer.
  core.scheduler.after(0, () => {
    if (one.destroyed || two.destroyed) return;
    if (params.app) {
      one.apps.add(params.app);
      two.apps.add(params.app);
    }
    for (const [k, v] of vars) core.emitFor(two, core.events.channelVarset(two.snapshot(), k, v));
    core.emitFor(one, core.events.dial(one.snapshot(), '', dialstring));
    if (!core.dialplan.exists(endpoint.context, endpoint.exten, 1)) {
      core.log.info({ exten: endpoint.exten, context: endpoint.context }, `No such extension/context ${dialstring} while calling Local channel`);
      core.emitFor(one, core.events.dial(one.snapshot(), 'CHANUNAVAIL', dialstring));
      core.hangupSilently(two, 0);
      core.hangupSilently(one, 0);
      return;
    }
    if (timeoutMs !== undefined) {
      cancelTimeout = core.scheduler.after(timeoutMs, () => {
        if (one.destroyed || one.state === 'Up') return;
        core.emitFor(one, core.events.dial(one.snapshot(), 'NOANSWER', dialstring));
        one.onAnswered = undefined;
        core.hangupSilently(one, Cause.NoAnswer);
      });
      one.onDestroy.push(cancelTimeout);
    }
    void core.runPbx(two, { context: endpoint.context, exten: endpoint.exten, priority: 1 }, { appUnload: true });
  });
  return one;
}

function resolvePriority(core: Core, context: string, exten: string, params: OriginateParams): number {
  if (params.label) {
    const n = Number.parseInt(params.label, 10);
    return Number.isNaN(n) ? (core.dialplan.findLabel(context, exten, params.label) ?? 1) : n;
  }
  return params.priority && params.priority > 0 ? params.priority : 1;
}

/** Stasis application arguments: the comma-separated appArgs (StasisStart.args). */
export function splitAppArgs(appArgs: string | undefined): string[] {
  if (appArgs === undefined || appArgs === '') return [];
  return appArgs.split(',');
}

/** `"Name" <number>`, `Name <number>` or a bare number (ast_callerid_parse). */
export function parseCallerId(text: string): { name: string; number: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(text);
  if (m) return { name: m[1].trim(), number: m[2].trim() };
  return /^[\d+*#\s()-]+$/.test(text) ? { name: '', number: text.replace(/[\s()-]/g, '') } : { name: text.trim(), number: '' };
}
