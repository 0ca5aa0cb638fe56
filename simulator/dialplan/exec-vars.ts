/**
 * Variables and functions as a channel sees them while its dialplan runs (and through ARI
 * GET /channels/{id}/variable): the channel's own variables, then the built-ins Asterisk
 * computes (CHANNEL, UNIQUEID, EXTEN, CONTEXT, PRIORITY, EPOCH, HANGUPCAUSE), then globals.
 * Functions beyond substitute.ts's built-ins: CHANNEL(item), CALLERID(item), GLOBAL(name).
 */
import type { SimChannel } from '../core/channel.js';
import type { Core } from '../core/core.js';
import type { SubstituteContext } from './substitute.js';

const TECH: Record<SimChannel['kind'], string> = { local: 'Local', audiosocket: 'AudioSocket', snoop: 'Snoop' };

export function builtinVariable(channel: SimChannel, name: string): string | undefined {
  switch (name) {
    case 'CHANNEL':
      return channel.name;
    case 'UNIQUEID':
      return channel.id;
    case 'EXTEN':
      return channel.dialplan.exten;
    case 'CONTEXT':
      return channel.dialplan.context;
    case 'PRIORITY':
      return String(channel.dialplan.priority);
    case 'EPOCH':
      return String(Math.floor(Date.now() / 1000));
    case 'HANGUPCAUSE':
      return String(channel.hangupCause);
    case 'LANGUAGE':
      return channel.language;
    default:
      return undefined;
  }
}

export function globalVariable(core: Core, name: string): string | undefined {
  return core.runtimeGlobals.get(name) ?? core.dialplan.global(name);
}

/** A variable as ${NAME} reads it, or undefined when unset. */
export function readVariable(core: Core, channel: SimChannel, name: string): string | undefined {
  return channel.vars.get(name) ?? builtinVariable(channel, name) ?? globalVariable(core, name);
}

/** Functions the simulator provides; undefined for one it does not. Throws for bad arguments. */
export function readFunction(core: Core, channel: SimChannel, name: string, args: string): string | undefined {
  switch (name) {
    case 'CHANNEL':
      switch (args.trim()) {
        case 'name':
          return channel.name;
        case 'uniqueid':
        case 'linkedid':
          return channel.id;
        case 'state':
          return channel.state;
        case 'language':
          return channel.language;
        case 'channeltype':
          return TECH[channel.kind];
        case 'context':
          return channel.dialplan.context;
        case 'exten':
          return channel.dialplan.exten;
        default:
          throw new Error(`CHANNEL item '${args}' is not simulated`);
      }
    case 'CALLERID':
      switch (args.trim()) {
        case 'num':
        case 'number':
          return channel.caller.number;
        case 'name':
          return channel.caller.name;
        case 'all':
          return channel.caller.name ? `"${channel.caller.name}" <${channel.caller.number}>` : channel.caller.number;
        default:
          throw new Error(`CALLERID item '${args}' is not simulated`);
      }
    case 'GLOBAL':
      return globalVariable(core, args.trim()) ?? '';
    default:
      return undefined;
  }
}

/** The names readFunction provides (for validating a dialplan before it runs). */
export const SIMULATED_FUNCTIONS = ['CHANNEL', 'CALLERID', 'GLOBAL'] as const;

export function substituteContext(core: Core, channel: SimChannel): SubstituteContext {
  return {
    getVar: (name) => readVariable(core, channel, name),
    readFunction: (name, args) => readFunction(core, channel, name, args),
    warn: (w) => core.log.warn({ channel: channel.name, file: w.file, line: w.line }, w.message),
  };
}
