/**
 * The shipped asterisk-docker/extensions.conf, read by this parser: it must parse without
 * warnings, use only what the simulator provides, and route calls the way its README says.
 * A small stepper (Set, Goto, GotoIf, Hangup; other applications are recorded) walks it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitArgs } from './args.js';
import type { DialplanWarning } from './error.js';
import { chooseGotoIfBranch, parseGotoTarget, resolveGoto } from './goto.js';
import { loadDialplan } from './parse.js';
import { substitute } from './substitute.js';
import { validateDialplan } from './validate.js';

const configDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../asterisk-docker');
const dialplan = loadDialplan(configDir);

/** The applications the simulator's executor runs (the list extensions.conf promises to keep to). */
const SIMULATOR_APPS = [
  'NoOp', 'Answer', 'Set', 'AudioSocket', 'Stasis', 'Playback', 'Wait', 'Echo', 'MixMonitor',
  'Hangup', 'Goto', 'GotoIf', 'Verbose', 'Ringing', 'Progress',
];

const UUID = '9f1c2a3b-4d5e-4f60-8a71-b2c3d4e5f601';

interface Run {
  /** "App(substituted data)" for every application other than the flow-control ones. */
  trace: string[];
  vars: Map<string, string>;
  warnings: DialplanWarning[];
}

function run(context: string, exten: string, channelVars: Record<string, string> = {}): Run {
  const vars = new Map(Object.entries({ UNIQUEID: '1712345678.12', CHANNEL: 'Local/s@x-00000001;2', ...channelVars }));
  const warnings: DialplanWarning[] = [];
  const trace: string[] = [];
  let here = { context, exten, priority: 1 };
  for (let steps = 0; steps < 100; steps++) {
    const step = dialplan.find(here.context, here.exten, here.priority);
    if (!step) return { trace: [...trace, '(end of dialplan)'], vars, warnings };
    const ctx = {
      getVar: (name: string) =>
        name === 'EXTEN' ? here.exten : name === 'CONTEXT' ? here.context : (vars.get(name) ?? dialplan.globals.get(name)),
      warn: (w: DialplanWarning) => warnings.push(w),
    };
    const data = substitute(step.appData, ctx, step.at);
    let jump: string | undefined;
    switch (step.app) {
      case 'Set': {
        const eq = data.indexOf('=');
        vars.set(data.slice(0, eq), data.slice(eq + 1));
        break;
      }
      case 'Goto':
        jump = data;
        break;
      case 'GotoIf':
        jump = chooseGotoIfBranch(data);
        break;
      case 'Hangup':
        return { trace: [...trace, 'Hangup'], vars, warnings };
      default:
        trace.push(`${step.app}(${data})`);
    }
    if (jump) {
      const landing = resolveGoto(dialplan, parseGotoTarget(jump)!, here);
      if (!landing) throw new Error(`${step.at.file}:${step.at.line}: bad Goto target ${jump}`);
      here = landing;
    } else {
      here = { ...here, priority: here.priority + 1 };
    }
  }
  throw new Error('dialplan loop');
}

describe('asterisk-docker/extensions.conf', () => {
  it('parses without warnings and uses only what the simulator provides', () => {
    expect(dialplan.warnings).toEqual([]);
    expect(validateDialplan(dialplan, { apps: SIMULATOR_APPS }).map((e) => e.message)).toEqual([]);
    expect([...dialplan.contexts.keys()]).toEqual(['ai-voice-agent', 'ai-audiosocket', 'ai-test-call', 'ai-test-phone', 'ai-doctor']);
    expect(dialplan.globals.get('AUDIOSOCKET_ADDR')).toBe('127.0.0.1:8090');
  });

  it('[ai-voice-agent] answers and hands the call to the engine, for s and for dialed numbers', () => {
    for (const exten of ['s', '5551234']) {
      const r = run('ai-voice-agent', exten);
      expect(r.trace.slice(1)).toEqual([
        'Answer()',
        'Stasis(asterisk-ai-voice-agent)',
        'Verbose(1,ai-voice-agent: Local/s@x-00000001;2 left Stasis with STASISSTATUS=)',
        'Hangup',
      ]);
      expect(r.warnings).toEqual([]);
    }
    expect(run('ai-voice-agent', '5551234').trace[0]).toContain('dialed 5551234');
    expect(dialplan.hasExtension('ai-voice-agent', 'abc')).toBe(false);
  });

  it('[ai-voice-agent] hands the call to the app a channel variable names (several engines on one Asterisk)', () => {
    const r = run('ai-voice-agent', 's', { AI_AGENT_APP: 'second-agent' });
    expect(r.trace).toContain('Stasis(second-agent)');
    expect(r.warnings).toEqual([]);
  });

  it('[ai-audiosocket] streams a snoop to the default address with a valid UUID', () => {
    const r = run('ai-audiosocket', 's', { AUDIOSOCKET_UUID: UUID });
    expect(r.trace.slice(1)).toEqual(['Answer()', `AudioSocket(${UUID},127.0.0.1:8090)`, expect.stringMatching(/^Verbose\(2,/), 'Hangup']);
    expect(splitArgs(r.trace[2]!.slice('AudioSocket('.length, -1))).toEqual([UUID, '127.0.0.1:8090']);
    expect(r.warnings).toEqual([]);
  });

  it('[ai-audiosocket] lets a channel variable override the address', () => {
    const r = run('ai-audiosocket', 's', { AUDIOSOCKET_UUID: UUID, AUDIOSOCKET_ADDR: 'engine:9092' });
    expect(r.trace).toContain(`AudioSocket(${UUID},engine:9092)`);
  });

  it.each([
    ['unset', {}],
    ['empty', { AUDIOSOCKET_UUID: '' }],
    ['a uniqueid', { AUDIOSOCKET_UUID: '1712345678.12' }],
    ['an ARI id', { AUDIOSOCKET_UUID: 's1-caller-mwx8teg5;2' }],
    ['36 characters without dashes', { AUDIOSOCKET_UUID: 'x'.repeat(36) }],
  ])('[ai-audiosocket] refuses %s as AUDIOSOCKET_UUID with a log line, never calling AudioSocket', (_what, channelVars) => {
    const r = run('ai-audiosocket', 's', channelVars);
    expect(r.trace.some((t) => t.startsWith('AudioSocket('))).toBe(false);
    expect(r.trace.at(-2)).toMatch(/^Verbose\(1,ai-audiosocket: AUDIOSOCKET_UUID '.*' on .* is not a UUID/);
    expect(r.trace.at(-1)).toBe('Hangup');
    expect(r.warnings).toEqual([]);
  });

  it('[ai-audiosocket] refuses an empty address', () => {
    const r = run('ai-audiosocket', 's', { AUDIOSOCKET_UUID: UUID, AUDIOSOCKET_ADDR: '' });
    expect(r.trace.some((t) => t.startsWith('AudioSocket('))).toBe(false);
    expect(r.trace.at(-2)).toMatch(/AUDIOSOCKET_ADDR is empty/);
  });

  it('[ai-test-call] takes the production path', () => {
    const r = run('ai-test-call', 's', { CALL_ID: 'abc123' });
    expect(r.trace.some((t) => t.startsWith('MixMonitor('))).toBe(false);
    expect(r.trace.slice(-4)).toEqual([
      'Answer()',
      'Stasis(asterisk-ai-voice-agent)',
      expect.stringMatching(/^Verbose/),
      'Hangup',
    ]);
  });

  it('[ai-test-phone] records heard (r: what the phone receives) and said (t), then parks in the suite app', () => {
    const r = run('ai-test-phone', 's', { CALL_ID: 'abc123' });
    const dir = '/var/spool/asterisk/recording';
    const mix = r.trace.find((t) => t.startsWith('MixMonitor('))!;
    const args = splitArgs(mix.slice('MixMonitor('.length, -1));
    expect(args).toEqual([`${dir}/call-abc123.wav`, `r(${dir}/call-abc123-heard.wav)t(${dir}/call-abc123-said.wav)`]);
    expect(r.trace.slice(-2)).toEqual(['Stasis(test-caller,phone,abc123)', 'Hangup']);
  });

  it('[ai-test-phone] falls back to the uniqueid when CALL_ID is not set', () => {
    const r = run('ai-test-phone', 's');
    expect(r.vars.get('CALL_ID')).toBe('1712345678.12');
    expect(r.trace.find((t) => t.startsWith('MixMonitor('))).toContain('/call-1712345678.12-heard.wav');
  });

  it('[ai-doctor] answers and waits, or echoes', () => {
    expect(run('ai-doctor', 's').trace.slice(1)).toEqual(['Answer()', 'Wait(10)', 'Hangup']);
    expect(run('ai-doctor', 'echo').trace.slice(1)).toEqual(['Answer()', 'Echo()', 'Hangup']);
  });
});
