import { describe, expect, it } from 'vitest';
import { AriError } from './api.js';
import { testPbx, traceDialplan, type TestPbx } from './testing.js';

const CALLER = 'test-caller';
const AI = 'asterisk-ai-voice-agent';

function withPbx(body: (t: TestPbx) => Promise<void>, conf = traceDialplan('127.0.0.1:1')): () => Promise<void> {
  return async () => {
    const t = testPbx(conf);
    try {
      await body(t);
    } finally {
      await t.close();
    }
  };
}

function ariError(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof AriError) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('expected an AriError');
}

describe.concurrent('originate Local channels', () => {
  it(
    's9/s6: event order from originate to StasisStart, app subscribed to both halves after creation',
    withPbx(async (t) => {
      t.pbx.registerApp(AI);
      const one = t.pbx.originate({ endpoint: 'Local/s@caller', app: AI, channelId: 'a1', otherChannelId: 'a2' });
      // The HTTP answer: ;1 Down, parked in AppDial2 (s9 response).
      expect(one).toMatchObject({ id: 'a1', name: 'Local/s@caller-00000000;1', state: 'Down', protocol_id: '', accountcode: '', language: 'en' });
      expect(one.dialplan).toEqual({ context: 'caller', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' });
      await t.events.waitType('StasisStart', 'a1');
      expect(t.events.lines().slice(0, 11)).toEqual([
        'ChannelCreated a1',
        'ChannelCreated a2',
        'ChannelDialplan a1 AppDial2',
        'Dial a1 ',
        'ChannelDialplan a2 NoOp',
        'ChannelDialplan a2 Answer',
        'ChannelStateChange a2 Up',
        'ChannelStateChange a1 Up',
        'Dial a1 ANSWER',
        'ChannelVarset a1 STASISSTATUS=',
        'StasisStart a1',
      ]);
      const [created1, created2] = t.events.events;
      expect(created1.apps).toEqual([]);
      expect(created2.event.type === 'ChannelCreated' && created2.event.channel.state).toBe('Ring');
      expect(t.events.events[3].apps).toEqual([AI]);
      const start = t.events.of('StasisStart', 'a1')[0].event;
      expect(start.type === 'StasisStart' && start.args).toEqual([]);
      expect(start.type === 'StasisStart' && start.channel.dialplan).toMatchObject({ app_name: 'Stasis', app_data: AI });
      // Key order as Asterisk writes it (clients diffing JSON see the same text).
      const varset = t.events.of('ChannelVarset', 'a1')[0].event;
      expect(Object.keys(varset)).toEqual(['variable', 'value', 'type', 'timestamp', 'channel', 'asterisk_id']);
      expect(varset.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
      t.pbx.hangup('a1');
      const destroyed = await t.events.waitType('ChannelDestroyed', 'a1');
      // s9: a dialed channel shows AppDial2 again when destroyed; ;2 shows no app.
      expect(destroyed.event.type === 'ChannelDestroyed' && destroyed.event.channel.dialplan.app_name).toBe('AppDial2');
      expect(destroyed.event.type === 'ChannelDestroyed' && destroyed.event.cause_txt).toBe('Normal Clearing');
      const d2 = await t.events.waitType('ChannelDestroyed', 'a2');
      expect(d2.event.type === 'ChannelDestroyed' && d2.event.channel.dialplan).toMatchObject({ app_name: '', app_data: '' });
    }),
  );

  it(
    's3/s9: the app hears nothing of the call until the originate has returned (the HTTP answer goes first)',
    withPbx(async (t) => {
      t.pbx.registerApp(CALLER);
      t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 'h1', otherChannelId: 'h2', variables: { AUDIOSOCKET_UUID: 'u' } });
      // Synchronously: only firehose events (no app), and ;2 already holds the inherited variable.
      expect(t.events.events.filter((r) => r.apps.length > 0)).toEqual([]);
      expect(t.pbx.getVariable('h2', 'AUDIOSOCKET_UUID')).toBe('u');
      await t.events.waitType('StasisStart', 'h1');
      // Then, in s3's order: ;2's inherited variable, Dial, the ;2 dialplan.
      expect(t.events.lines((r) => r.apps.includes(CALLER)).slice(0, 3)).toEqual(['ChannelVarset h2 AUDIOSOCKET_UUID=u', 'Dial h1 ', 'ChannelDialplan h2 NoOp']);
      expect(t.events.lines((r) => r.apps.length === 0)).toEqual([
        'ChannelCreated h1',
        'ChannelCreated h2',
        'ChannelDialplan h1 AppDial2',
        'ChannelVarset h1 AUDIOSOCKET_UUID=u',
      ]);
    }),
  );

  it(
    's7: ;2 gets "<channelId>;2" when only channelId is given; names count up in hex',
    withPbx(async (t) => {
      t.pbx.registerApp(AI);
      for (let i = 0; i < 11; i++) t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: `c${i}` });
      expect(t.pbx.getChannel('c0;2').name).toBe('Local/silent@caller-00000000;2');
      expect(t.pbx.getChannel('c10').name).toBe('Local/silent@caller-0000000a;1');
      await t.events.waitType('StasisStart', 'c10');
    }),
  );

  it(
    's14: Stasis() with an app that has no WebSocket sets STASISSTATUS=FAILED and the dialplan goes on',
    withPbx(
      async (t) => {
        t.pbx.registerApp(CALLER);
        t.pbx.originate({ endpoint: 'Local/go@ai-voice-agent', app: CALLER, channelId: 'f1', otherChannelId: 'f2' });
        await t.events.waitType('ChannelDestroyed', 'f1');
        expect(t.events.lines((r) => r.event.type !== 'Dial' && r.event.type !== 'ChannelCreated').filter((l) => l.includes('f2'))).toEqual([
          'ChannelDialplan f2 Answer',
          'ChannelStateChange f2 Up',
          'ChannelDialplan f2 Stasis',
          'ChannelVarset f2 STASISSTATUS=',
          'ChannelVarset f2 STASISSTATUS=FAILED',
          'ChannelDialplan f2 Hangup',
          'ChannelHangupRequest f2 cause=16 soft',
          'ChannelDestroyed f2 cause=16',
        ]);
        expect(t.events.lines().slice(-5)).toEqual([
          'ChannelHangupRequest f1 cause=16',
          'ChannelDestroyed f2 cause=16',
          'StasisEnd f1',
          'ChannelVarset f1 STASISSTATUS=SUCCESS',
          'ChannelDestroyed f1 cause=16',
        ]);
      },
      '[ai-voice-agent]\nexten => go,1,Answer()\n same => n,Stasis(' + AI + ')\n same => n,Hangup()\n',
    ),
  );

  it(
    's2: an app hears a channel from StasisStart to StasisEnd only; the originator hears it all',
    withPbx(
      async (t) => {
        t.pbx.registerApp(CALLER);
        t.pbx.registerApp(AI);
        t.pbx.originate({ endpoint: 'Local/go@ctx', app: CALLER, channelId: 'r1', otherChannelId: 'r2' });
        await t.events.waitType('StasisStart', 'r2');
        t.pbx.hangup('r1');
        await t.events.waitType('ChannelDestroyed', 'r2');
        const toAi = t.events.events.filter((r) => r.apps.includes(AI)).map((r) => r.event.type);
        expect(toAi).toEqual(['StasisStart', 'ChannelHangupRequest', 'StasisEnd']);
        const toCaller = t.events.events.filter((r) => r.apps.includes(CALLER));
        expect(toCaller.at(-1)?.event.type).toBe('ChannelDestroyed');
        expect(t.events.lines().slice(-9)).toEqual([
          'ChannelHangupRequest r1 cause=32 soft',
          'StasisEnd r1',
          'ChannelVarset r1 STASISSTATUS=SUCCESS',
          'ChannelHangupRequest r2 cause=16',
          'ChannelDestroyed r1 cause=16',
          'StasisEnd r2',
          'ChannelVarset r2 STASISSTATUS=SUCCESS',
          'ChannelHangupRequest r2 cause=16 soft',
          'ChannelDestroyed r2 cause=16',
        ]);
      },
      `[ctx]\nexten => go,1,Answer()\n same => n,Stasis(${AI})\n same => n,Hangup()\n`,
    ),
  );

  it(
    'an app whose WebSocket dropped keeps its channels in Stasis; events still name it',
    withPbx(async (t) => {
      t.pbx.registerApp(AI);
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'u1' });
      await t.events.waitType('StasisStart', 'u1');
      t.pbx.unregisterApp(AI);
      t.pbx.setVariable('u1', 'X', '1');
      expect(t.events.of('ChannelVarset', 'u1').at(-1)?.apps).toEqual([AI]);
      t.pbx.hangup('u1');
      await t.events.waitType('StasisEnd', 'u1');
    }),
  );

  it(
    's8: originate to a dialplan location: ;1 runs it after ;2 answers, no app is subscribed',
    withPbx(
      async (t) => {
        t.pbx.registerApp(AI);
        t.pbx.originate({ endpoint: 'Local/s@callee', context: 'agent', extension: 'x', priority: 1, channelId: 'd1', otherChannelId: 'd2' });
        await t.events.waitType('StasisStart', 'd1');
        const beforeStasis = t.events.events.slice(0, t.events.events.findIndex((r) => r.event.type === 'StasisStart'));
        expect(beforeStasis.every((r) => r.apps.length === 0)).toBe(true);
        expect(t.events.lines().filter((l) => l.startsWith('ChannelDialplan d1'))).toEqual([
          'ChannelDialplan d1 AppDial2',
          'ChannelDialplan d1 NoOp',
          'ChannelDialplan d1 Stasis',
        ]);
        expect(t.pbx.getChannel('d1').dialplan).toMatchObject({ context: 'agent', exten: 'x', priority: 2 });
        t.pbx.hangup('d1');
        await t.events.waitType('ChannelDestroyed', 'd2');
        // s8: ;1 in a dialplan Stasis: the pbx ends with {16, soft} before ;2 is told.
        expect(t.events.lines().slice(-6)).toEqual([
          'ChannelVarset d1 STASISSTATUS=SUCCESS',
          'ChannelHangupRequest d1 cause=16 soft',
          'ChannelHangupRequest d2 cause=16',
          'ChannelDestroyed d1 cause=16',
          'ChannelHangupRequest d2 cause=16 soft',
          'ChannelDestroyed d2 cause=16',
        ]);
      },
      `[callee]\nexten => s,1,Answer()\n same => n,Wait(5)\n[agent]\nexten => x,1,NoOp()\n same => n,Stasis(${AI})\n`,
    ),
  );

  it(
    'continue takes a channel out of Stasis (StasisEnd) and its dialplan goes on',
    withPbx(
      async (t) => {
        t.pbx.registerApp(AI);
        t.pbx.originate({ endpoint: 'Local/go@ctx', app: AI, channelId: 'k1', otherChannelId: 'k2' });
        await t.events.waitType('StasisStart', 'k2');
        t.pbx.continueInDialplan('k2', {});
        await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'Set');
        expect(t.pbx.getVariable('k2', 'AFTER')).toBe('yes');
        const k2 = t.events.lines().filter((l) => l.includes('k2'));
        const end = k2.indexOf('StasisEnd k2');
        expect(k2.slice(end, end + 4)).toEqual([
          'StasisEnd k2',
          'ChannelVarset k2 STASISSTATUS=SUCCESS',
          'ChannelDialplan k2 Set',
          'ChannelVarset k2 AFTER=yes',
        ]);
        expect(ariError(() => t.pbx.continueInDialplan('k2', {}))).toEqual({ status: 409, message: 'Channel not in Stasis application' });
        // continue with a label
        await t.events.waitFor(() => t.events.of('StasisStart', 'k2').length === 2);
        t.pbx.continueInDialplan('k2', { context: 'ctx', extension: 'go', label: 'end' });
        await t.events.waitFor((r) => r.event.type === 'ChannelVarset' && r.event.variable === 'END');
        expect(ariError(() => t.pbx.continueInDialplan('k1', { context: 'ctx', extension: 'go', label: 'nope' }))).toEqual({
          status: 404,
          message: 'Requested label can not be found',
        });
      },
      `[ctx]\nexten => go,1,Answer()\n same => n,Stasis(${AI})\n same => n,Set(AFTER=yes)\n same => n,Wait(0.2)\n same => n,Stasis(${AI})\n same => n(end),Set(END=1)\n same => n,Wait(5)\n`,
    ),
  );

  it(
    'variables: GET of an unset variable is 404, builtins and functions read, SET needs Stasis',
    withPbx(async (t) => {
      t.pbx.registerApp(AI);
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'v1', variables: { FOO: 'bar' } });
      await t.events.waitType('StasisStart', 'v1');
      expect(t.pbx.getVariable('v1', 'FOO')).toBe('bar');
      expect(t.pbx.getVariable('v1', 'STASISSTATUS')).toBe('');
      expect(t.pbx.getVariable('v1', 'UNIQUEID')).toBe('v1');
      expect(t.pbx.getVariable('v1', 'CHANNEL(name)')).toBe('Local/silent@caller-00000000;1');
      expect(ariError(() => t.pbx.getVariable('v1', 'NOPE'))).toEqual({ status: 404, message: 'Provided variable was not found' });
      expect(ariError(() => t.pbx.getVariable('nope', 'FOO'))).toEqual({ status: 404, message: 'Provided channel was not found' });
      expect(ariError(() => t.pbx.getVariable('v1', 'NOSUCHFUNC(x)'))).toEqual({ status: 500, message: 'Unable to read provided function' });
      expect(ariError(() => t.pbx.getVariable('v1', ''))).toEqual({ status: 400, message: 'Variable name is required' });
      t.pbx.setVariable('v1', 'A', 'b');
      expect(t.pbx.getVariable('v1', 'A')).toBe('b');
      expect(ariError(() => t.pbx.setVariable('v1;2', 'A', 'b'))).toEqual({ status: 409, message: 'Channel not in Stasis application' });
      expect(ariError(() => t.pbx.setVariable('gone', 'A', 'b'))).toEqual({ status: 404, message: 'Channel not found' });
    }),
  );

  it(
    'ARI errors with Asterisk messages: missing channel, bad originate, duplicate ids, bad reason',
    withPbx(async (t) => {
      t.pbx.registerApp(AI);
      expect(ariError(() => t.pbx.getChannel('x'))).toEqual({ status: 404, message: 'Channel not found' });
      expect(ariError(() => t.pbx.hangup('x'))).toEqual({ status: 404, message: 'Channel not found' });
      expect(ariError(() => t.pbx.answer('x'))).toEqual({ status: 404, message: 'Channel not found' });
      expect(ariError(() => t.pbx.originate({ endpoint: '', app: AI }))).toEqual({ status: 400, message: 'Endpoint must be specified' });
      expect(ariError(() => t.pbx.originate({ endpoint: 'Local', app: AI }))).toEqual({ status: 400, message: 'Invalid endpoint specified' });
      expect(ariError(() => t.pbx.originate({ endpoint: 'Local/s@caller' }))).toEqual({
        status: 400,
        message: 'Application or extension must be specified',
      });
      expect(ariError(() => t.pbx.originate({ endpoint: 'Local/s@caller', app: AI, formats: 'nope' }))).toEqual({
        status: 400,
        message: 'Provided format (nope) was not found',
      });
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'dup' });
      expect(ariError(() => t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'dup' }))).toEqual({
        status: 409,
        message: 'Channel with given unique ID already exists',
      });
      await t.events.waitType('StasisStart', 'dup');
      expect(ariError(() => t.pbx.hangup('dup', 'sleepy'))).toEqual({ status: 400, message: 'Invalid reason for hangup reason provided' });
      t.pbx.hangup('dup', 'busy');
      const d = await t.events.waitType('ChannelDestroyed', 'dup');
      expect(d.event.type === 'ChannelDestroyed' && [d.event.cause, d.event.cause_txt]).toEqual([17, 'User busy']);
    }),
  );

  it(
    'an extension that does not exist: Dial CHANUNAVAIL and both halves go',
    withPbx(async (t) => {
      t.pbx.registerApp(AI);
      t.pbx.originate({ endpoint: 'Local/nope@caller', app: AI, channelId: 'n1' });
      await t.events.waitType('ChannelDestroyed', 'n1');
      expect(t.events.of('Dial', 'n1').map((r) => r.event.type === 'Dial' && r.event.dialstatus)).toEqual(['', 'CHANUNAVAIL']);
      expect(t.events.of('StasisStart')).toHaveLength(0);
    }),
  );
});
