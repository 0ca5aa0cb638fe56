import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { rms } from '../../engine/audio/pcm.js';
import { dominantFrequency, ToneGenerator } from '../../engine/audio/tone.js';
import { parseWav } from '../../engine/audio/wav.js';
import { AsServer, sleep, testPbx, traceDialplan, writeToneWav, type TestPbx } from '../core/testing.js';

const AI = 'asterisk-ai-voice-agent';

interface Logged {
  level: number;
  msg: string;
  file?: string;
  line?: number;
  code?: string;
}

function withPbx(conf: string, body: (t: TestPbx, logs: Logged[]) => Promise<void>): () => Promise<void> {
  return async () => {
    const logs: Logged[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Logged) });
    const t = testPbx(conf, { logger });
    t.pbx.registerApp(AI);
    try {
      await body(t, logs);
    } finally {
      await t.close();
    }
  };
}

function dialplanOf(t: TestPbx, id: string): string[] {
  return t.events.of('ChannelDialplan', id).map((r) => (r.event.type === 'ChannelDialplan' ? `${r.event.dialplan_app}(${r.event.dialplan_app_data})` : ''));
}

describe.concurrent('dialplan execution', () => {
  it(
    'Set, Goto, GotoIf with labels and expressions, GLOBAL(), Verbose; variables substituted in ChannelDialplan',
    withPbx(
      `[globals]
G = 7
[t]
exten => s,1,Set(X=\${G})
 same => n,GotoIf($[\${X} > 5]?big:small)
 same => n(small),Set(R=small)
 same => n,Goto(done)
 same => n(big),Set(R=big)
 same => n,Set(GLOBAL(G2)=\${R})
 same => n,Goto(t,other,1)
 same => n(done),Verbose(1,finished \${R})
 same => n,Stasis(${AI})
exten => other,1,Set(Y=\${G2}-\${EXTEN})
 same => n,Goto(s,done)
`,
      async (t, logs) => {
        t.pbx.originate({ endpoint: 'Local/s@t', app: AI, channelId: 'a', otherChannelId: 'b' });
        await t.events.waitType('StasisStart', 'b');
        expect(dialplanOf(t, 'b')).toEqual([
          'Set(X=7)',
          'GotoIf(1?big:small)',
          'Set(R=big)',
          'Set(GLOBAL(G2)=big)',
          'Goto(t,other,1)',
          'Set(Y=big-other)',
          'Goto(s,done)',
          'Verbose(1,finished big)',
          `Stasis(${AI})`,
        ]);
        expect(t.pbx.getVariable('b', 'Y')).toBe('big-other');
        expect(t.pbx.getVariable('b', 'GLOBAL(G2)')).toBe('big');
        expect(logs.some((l) => l.msg === 'finished big')).toBe(true);
      },
    ),
  );

  it(
    'an unsupported application: no ChannelDialplan, an error naming file and line, the channel hung up',
    withPbx('[t]\nexten => s,1,NoOp()\n same => n,Dial(PJSIP/100)\n same => n,Set(NEVER=1)\n', async (t, logs) => {
      // Checked at load time too.
      expect(logs.some((l) => l.code === 'DIALPLAN_ERR_UNKNOWN_APP' && l.line === 3)).toBe(true);
      t.pbx.originate({ endpoint: 'Local/s@t', app: AI, channelId: 'a', otherChannelId: 'b' });
      await t.events.waitType('ChannelDestroyed', 'b');
      expect(dialplanOf(t, 'b')).toEqual(['NoOp()']);
      const err = logs.filter((l) => l.level === 50 && l.code === 'DIALPLAN_ERR_UNKNOWN_APP').at(-1);
      expect(err?.msg).toMatch(/^extensions\.conf:3: unsupported application Dial\(\)/);
      expect(err?.file).toBe('extensions.conf');
    }),
  );

  it(
    'an unsupported function: an error naming file and line, the channel hung up',
    withPbx('[t]\nexten => s,1,NoOp()\n same => n,Set(A=${SHELL(ls)})\n', async (t, logs) => {
      t.pbx.originate({ endpoint: 'Local/s@t', app: AI, channelId: 'a', otherChannelId: 'b' });
      await t.events.waitType('ChannelDestroyed', 'b');
      const err = logs.filter((l) => l.level === 50 && l.code === 'DIALPLAN_ERR_UNKNOWN_FUNCTION').at(-1);
      expect(err?.msg).toMatch(/^extensions\.conf:3: unsupported function SHELL\(\)/);
      expect(t.events.of('ChannelVarset', 'b')).toHaveLength(0);
    }),
  );

  it(
    'falling off the end of the extension hangs up (cause 0), Hangup(cause) sets the cause',
    withPbx('[t]\nexten => s,1,Answer()\n same => n,NoOp(last)\nexten => busy,1,Answer()\n same => n,Hangup(17)\n', async (t) => {
      t.pbx.originate({ endpoint: 'Local/s@t', app: AI, channelId: 'a', otherChannelId: 'b' });
      const d = await t.events.waitType('ChannelDestroyed', 'b');
      expect(d.event.type === 'ChannelDestroyed' && d.event.cause).toBe(0);
      expect(t.events.lines().filter((l) => l.includes(' b ') || l.endsWith(' b')).slice(-2)).toEqual([
        'ChannelHangupRequest b cause=16 soft',
        'ChannelDestroyed b cause=0',
      ]);
      t.pbx.originate({ endpoint: 'Local/busy@t', app: AI, channelId: 'c', otherChannelId: 'e' });
      const d2 = await t.events.waitType('ChannelDestroyed', 'c');
      expect(d2.event.type === 'ChannelDestroyed' && [d2.event.cause, d2.event.cause_txt]).toEqual([17, 'User busy']);
    }),
  );

  it(
    'Ringing() shows the dialed half Ringing until the callee answers',
    withPbx(`[t]\nexten => s,1,Ringing()\n same => n,Progress()\n same => n,Wait(0.3)\n same => n,Answer()\n same => n,Wait(5)\n`, async (t) => {
      t.pbx.originate({ endpoint: 'Local/s@t', app: AI, channelId: 'a', otherChannelId: 'b' });
      await t.events.waitFor((r) => r.event.type === 'ChannelStateChange' && r.event.channel.id === 'a' && r.event.channel.state === 'Ringing');
      await t.events.waitType('StasisStart', 'a');
      expect(t.pbx.getChannel('a').state).toBe('Up');
    }),
  );

  it(
    'Playback() sets PLAYBACKSTATUS; Echo() sends back what it hears',
    withPbx(`[t]\nexten => s,1,Answer()\n same => n,Playback(nothing-here)\n same => n,Playback(beep)\n same => n,Echo()\n`, async (t) => {
      writeToneWav(t.soundDir, 'beep', 600, 100);
      t.pbx.originate({ endpoint: 'Local/s@t', app: AI, channelId: 'a', otherChannelId: 'b', formats: 'slin' });
      await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'Echo');
      expect(t.events.of('ChannelVarset', 'b').map((r) => r.event.type === 'ChannelVarset' && r.event.value)).toEqual(['FAILED', 'SUCCESS']);
      let echoed = 0;
      t.pbx['core'].channels.get('a')!.addHook({ onRead: () => void echoed++ });
      t.pbx.play('a', { media: ['sound:beep'] });
      await t.events.waitType('PlaybackFinished');
      await sleep(40);
      expect(echoed).toBeGreaterThanOrEqual(4);
    }),
  );

  it(
    's8: MixMonitor r() holds what the caller heard (the server tone, 6 dB down), t() what it said (its tone, then the echo)',
    async () => {
      const as = await AsServer.start();
      const t = testPbx(traceDialplan(as.address));
      t.pbx.registerApp(AI);
      writeToneWav(t.soundDir, 'ai-test-tone', 1000, 400, 8000, 8000 / 32767);
      try {
        t.pbx.originate({ endpoint: 'Local/s@caller', context: 'ai-voice-agent', extension: 'uuid', priority: 1, channelId: 'agent', otherChannelId: 'caller' });
        const conn = await as.nextConnection();
        await conn.until(() => conn.uuid !== undefined);
        const gen = new ToneGenerator(440, 8000, 8000 / 32767);
        const timer = setInterval(() => conn.sendAudio(8000, gen.next(20)), 20);
        await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'Echo', 3000);
        await sleep(400);
        clearInterval(timer);
        conn.socket.end();
        const start = await t.events.waitType('StasisStart', 'agent');
        expect(start.apps).toEqual([AI]);
        // The socket got the caller's tone, then the echoed server tone.
        const freqs = conn.audio().map((f) => Math.round(dominantFrequency(f.payload, 8000) ?? 0));
        expect(freqs.filter((f) => Math.abs(f - 1000) < 30).length).toBeGreaterThan(10);
        expect(freqs.slice(-5).every((f) => Math.abs(f - 440) < 30)).toBe(true);
        t.pbx.hangup('agent');
        await t.events.waitType('ChannelDestroyed', 'caller');
        await sleep(50);
        const monitor = join(t.spoolDir, 'monitor');
        const heard = parseWav(readFileSync(join(monitor, 'caller-caller-heard.wav'))).pcm;
        const said = parseWav(readFileSync(join(monitor, 'caller-caller-said.wav'))).pcm;
        const mixed = parseWav(readFileSync(join(monitor, 'caller-caller.wav'))).pcm;
        expect(heard.length).toBe(said.length);
        expect(mixed.length).toBe(said.length);
        const heardTail = heard.subarray(heard.length - 3200);
        expect(dominantFrequency(heardTail, 8000)).toBeCloseTo(440, -1);
        expect(rms(heardTail)).toBeGreaterThan(2650); // s8: 2831
        expect(rms(heardTail)).toBeLessThan(3000);
        expect(dominantFrequency(said.subarray(800, 3200), 8000)).toBeCloseTo(1000, -1);
        expect(dominantFrequency(said.subarray(said.length - 3200), 8000)).toBeCloseTo(440, -1);
        const events = t.events.of('ChannelVarset', 'caller').map((r) => r.event.type === 'ChannelVarset' && `${r.event.variable}=${r.event.value}`);
        expect(events[0]).toBe('MIXMONITOR_FILENAME=/var/spool/asterisk/monitor/caller-caller.wav');
      } finally {
        await t.close();
        await as.close();
      }
    },
  );
});
