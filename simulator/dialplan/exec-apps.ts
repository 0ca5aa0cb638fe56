/**
 * The dialplan applications the simulator runs, with the behaviour the traces show. Names are
 * matched case-insensitively, as Asterisk does. AudioSocket() is in exec-audiosocket.ts.
 */
import { tone } from '../../engine/audio/tone.js';
import { Cause } from '../core/causes.js';
import type { FrameReader } from '../core/channel.js';
import type { DialplanLocation } from '../core/core.js';
import { framesOf } from '../core/media.js';
import { startMixMonitor } from '../core/mixmonitor.js';
import { spoolPath } from '../core/paths.js';
import { streamFrames } from '../core/stream.js';
import { splitArgs } from './args.js';
import { audioSocketApp } from './exec-audiosocket.js';
import type { AppContext, AppResult, DialplanApp } from './exec.js';
import { chooseGotoIfBranch, parseGotoTarget, resolveGoto } from './goto.js';

/** Answer() waits up to this long for the first voice frame (__ast_answer; s1, s2: ~500 ms). */
const ANSWER_VOICE_WAIT_MS = 500;

const noop: DialplanApp = () => 'next';

const answer: DialplanApp = async (x, data) => {
  const { core, channel } = x;
  if (channel.state === 'Up') return 'next';
  const delay = Number.parseInt(data, 10);
  core.answer(channel);
  // Like __ast_answer: give the media path a moment, returning at the first voice frame.
  const voice = channel.waitForVoice().then(() => true);
  const waited = await Promise.race([voice, x.sleep(Math.max(ANSWER_VOICE_WAIT_MS, Number.isNaN(delay) ? 0 : delay))]);
  if (x.signal.aborted) return 'hangup';
  return waited !== false ? 'next' : 'hangup';
};

/** Set(name=value): one assignment; GLOBAL(x) and CALLERID(num|name) as functions. */
const set: DialplanApp = (x, data) => {
  const eq = data.indexOf('=');
  if (eq < 0) {
    x.log.warn('Set requires an \'=\' to be a valid assignment.');
    return 'next';
  }
  const name = data.slice(0, eq).trim();
  const value = data.slice(eq + 1);
  const fn = /^([A-Za-z_]+)\((.*)\)$/.exec(name);
  if (fn) {
    const [, func, arg] = fn;
    if (func === 'GLOBAL') {
      x.core.runtimeGlobals.set(arg.trim(), value);
      return 'next';
    }
    if (func === 'CALLERID' && (arg === 'num' || arg === 'number' || arg === 'name')) {
      x.channel.caller = arg === 'name' ? { ...x.channel.caller, name: value } : { ...x.channel.caller, number: value };
      return 'next';
    }
    throw new Error(`unsupported function ${func}() on the left of Set()`);
  }
  x.core.setVar(x.channel, name.replace(/^_{1,2}/, ''), value);
  return 'next';
};

const verbose: DialplanApp = (x, data) => {
  const args = splitArgs(data, { max: 2 });
  const message = args.length > 1 && /^\s*\d+\s*$/.test(args[0]) ? args[1] : data;
  x.log.info({ app: x.step.app }, message);
  return 'next';
};

const log: DialplanApp = (x, data) => {
  const [level, message] = splitArgs(data, { max: 2 });
  x.log.info({ app: 'Log', level }, message ?? '');
  return 'next';
};

/** Hangup([cause]): the cause by number or name, NORMAL_CLEARING by default. */
const hangup: DialplanApp = (x, data) => {
  const text = data.trim();
  let cause = 0;
  if (text !== '') {
    const named = (Cause as Record<string, number>)[toCamel(text)];
    cause = named ?? Number.parseInt(text, 10);
    if (!Number.isInteger(cause) || cause <= 0) {
      x.log.warn(`Invalid cause given to Hangup(): "${text}"`);
      cause = 0;
    }
  }
  if (cause <= 0) cause = x.channel.hangupCause > 0 ? x.channel.hangupCause : Cause.NormalClearing;
  x.channel.hangupCause = cause;
  return 'hangup';
};

function toCamel(name: string): string {
  return name
    .toLowerCase()
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function gotoTarget(x: AppContext, text: string): AppResult {
  const target = parseGotoTarget(text);
  const resolved = target && resolveGoto(x.dialplan, target, x.here);
  if (!resolved) {
    x.log.warn(`Goto (${text}): Priority must be a number > 0, or valid label`);
    return 'hangup';
  }
  x.log.debug(`Goto (${resolved.context},${resolved.exten},${resolved.priority})`);
  return { goto: resolved };
}

const goto: DialplanApp = (x, data) => gotoTarget(x, data);

const gotoIf: DialplanApp = (x, data) => {
  const branch = chooseGotoIfBranch(data);
  return branch ? gotoTarget(x, branch) : 'next';
};

const wait: DialplanApp = async (x, data) => {
  const seconds = Number.parseFloat(data);
  const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
  const reader = discard(x);
  try {
    return (await x.sleep(ms)) ? 'next' : 'hangup';
  } finally {
    release(x, reader);
  }
};

/** Echo(): what the channel says is sent back to it, DTMF included; '#' ends it. */
const echo: DialplanApp = (x) =>
  new Promise<AppResult>((resolve) => {
    const { channel, signal } = x;
    const done = (r: AppResult): void => {
      release(x, reader);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = (): void => done('hangup');
    const reader: FrameReader = {
      onFrame: (f) => channel.write(f),
      onDtmf: (digit, ms) => {
        if (digit === '#') done('next');
        else channel.tech?.sendDtmf(digit, ms);
      },
    };
    channel.reader = reader;
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Playback(file1&file2[,options]): sets PLAYBACKSTATUS; a missing file is a FAILED, not an error. */
const playback: DialplanApp = async (x, data) => {
  const { core, channel } = x;
  const [files = '', options = ''] = splitArgs(data);
  if (files === '') {
    x.log.warn('Playback requires an argument (filename)');
    return 'hangup';
  }
  if (channel.state !== 'Up' && !options.includes('noanswer')) core.answer(channel);
  const reader = discard(x);
  let status = 'SUCCESS';
  try {
    for (const name of files.split('&')) {
      const path = core.sounds.find(name, channel.language, channel.nativeRate);
      if (!path) {
        x.log.warn(`Playback failed on ${channel.name} for ${name}`);
        status = 'FAILED';
        continue;
      }
      x.log.info(`<${channel.name}> Playing '${name}' (language '${channel.language}')`);
      const frames = await core.sounds.frames(path);
      const outcome = await streamFrames(core, frames, (f) => channel.write(f), x.signal);
      if (outcome === 'aborted') return 'hangup';
    }
  } finally {
    release(x, reader);
  }
  core.setVar(channel, 'PLAYBACKSTATUS', status);
  return 'next';
};

/** Milliwatt(): a continuous 1004 Hz tone until hangup. */
const milliwatt: DialplanApp = async (x): Promise<AppResult> => {
  const frames = framesOf(tone(1004, 1000, 8000, 0.5), 8000);
  const reader = discard(x);
  try {
    for (;;) {
      const outcome = await streamFrames(x.core, frames, (f) => x.channel.write(f), x.signal);
      if (outcome === 'aborted') return 'hangup';
    }
  } finally {
    release(x, reader);
  }
};

/** MixMonitor(file[,options]): r(file) t(file) as in the traces' [caller]; runs in the background. */
const mixMonitor: DialplanApp = (x, data) => {
  const { core, channel } = x;
  const [file = '', options = ''] = splitArgs(data);
  if (file === '') {
    x.log.warn('MixMonitor requires an argument (filename or ,t(filename) and/or r(filename)');
    return 'next';
  }
  const option = (letter: string): string | undefined => new RegExp(`${letter}\\(([^)]*)\\)`).exec(options)?.[1];
  const asterisk = (name: string | undefined): string | undefined => (name ? spoolPath('monitor', name) : undefined);
  const mix = asterisk(file);
  const read = asterisk(option('r'));
  const write = asterisk(option('t'));
  const local = (p: string | undefined): string | undefined => (p ? core.paths.toLocal(p) : undefined);
  startMixMonitor(core, channel, { mix: local(mix), read: local(read), write: local(write) });
  if (mix) core.setVar(channel, 'MIXMONITOR_FILENAME', mix);
  return 'next';
};

/** Stasis(app[,args…]) from the dialplan: blocks until the app lets go (s2, s3, s14). */
const stasis: DialplanApp = (x, data) => {
  const { core, channel } = x;
  const [app = '', ...args] = splitArgs(data);
  if (app === '') {
    x.log.error('Stasis app_name argument missing');
    return 'hangup';
  }
  if (!core.enterStasis(channel, app, args, true)) return 'next';
  return new Promise<AppResult>((resolve) => {
    // Deferred: the hangup that aborts us is still publishing its own events (s1, s3 order).
    const onAbort = (): void => queueMicrotask(() => exit(undefined));
    const exit = (to: DialplanLocation | undefined): void => {
      if (channel.stasisExit !== exit) return;
      channel.stasisExit = undefined;
      x.signal.removeEventListener('abort', onAbort);
      if (to) return resolve({ goto: to });
      core.leaveStasis(channel, 'hangup');
      resolve('hangup');
    };
    channel.stasisExit = exit;
    if (x.signal.aborted) return onAbort();
    x.signal.addEventListener('abort', onAbort, { once: true });
  });
};

/** Ringing(): the dialed Local half shows Ringing. */
const ringing: DialplanApp = (x) => {
  const peer = x.channel.localPeer;
  if (peer && peer.outgoing && peer.state === 'Down') x.core.setState(peer, 'Ringing');
  return 'next';
};

/** While an app that does not listen runs, what the channel says is dropped. */
function discard(x: AppContext): FrameReader {
  const reader: FrameReader = { onFrame: () => {} };
  x.channel.reader = reader;
  return reader;
}

function release(x: AppContext, reader: FrameReader): void {
  if (x.channel.reader === reader) x.channel.reader = null;
}

export const DIALPLAN_APPS: ReadonlyMap<string, DialplanApp> = new Map<string, DialplanApp>([
  ['noop', noop],
  ['answer', answer],
  ['set', set],
  ['audiosocket', audioSocketApp],
  ['stasis', stasis],
  ['playback', playback],
  ['wait', wait],
  ['echo', echo],
  ['mixmonitor', mixMonitor],
  ['hangup', hangup],
  ['goto', goto],
  ['gotoif', gotoIf],
  ['verbose', verbose],
  ['log', log],
  ['ringing', ringing],
  ['progress', noop],
  ['milliwatt', milliwatt],
]);
