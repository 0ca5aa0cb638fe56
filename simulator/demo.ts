/**
 * `make demo`: one whole call on this machine, with no Asterisk and no API key.
 *
 * Starts the simulator and the engine (scripted provider), places a call through the ready-made
 * dialplan, plays caller speech fixtures into it (including one that talks over the agent), and
 * prints the call's timeline from both sides: what the engine saw and what the caller heard in
 * the MixMonitor recording, which it leaves under reports/demo/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { repoRoot, startEngine, type Engine } from '../engine/app.js';
import type { CallSession } from '../engine/call/session.js';
import { parseConfig } from '../engine/config/load.js';
import { analyzeCall } from './driver/analysis.js';
import { CallDriver, type TestCall } from './driver/call-driver.js';
import { startSimulator } from './main.js';

const ROOT = repoRoot();
const OUT = join(ROOT, 'reports', 'demo');

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ai-demo-'));
  const mediaRoot = join(work, 'sounds');
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

  const sim = await startSimulator({ port: 0, soundDirs: [mediaRoot, join(ROOT, 'fixtures', 'audio')], logger: logger.child({ c: 'sim' }) });
  const config = parseConfig(
    {
      ari: { url: sim.url, username: sim.username, password: sim.password },
      media: { dir: join(mediaRoot, 'ai-generated') },
      providers: { scripted: { script: join(ROOT, 'config', 'scripts', 'demo.yaml') } },
    },
    {},
  );
  // Free ports, so the demo runs next to anything else.
  config.audiosocket.port = 0;
  config.http.port = 0;
  const engine = await startEngine({ config, logger: logger.child({ c: 'engine' }) });
  const driver = await CallDriver.connect({ ariUrl: sim.url, username: sim.username, password: sim.password });

  let exitCode = 0;
  try {
    const t0 = performance.now();
    const call = await driver.placeCall({ formats: 'slin16' });
    const session = await sessionOf(engine, call.callerId);

    await agentDone(session, 0);
    await call.say('sound:caller-hello-16k');
    await agentDone(session, performance.now());
    await call.say('sound:caller-question-16k');
    await agentDone(session, performance.now());
    await call.say('sound:caller-hello-16k');
    // Turn 3 is the long answer: talk over it once it has been heard for 2 s.
    await mark(session, 'agent_audio_start', performance.now(), 10_000);
    await sleep(2000);
    await call.say('sound:caller-interrupt-16k');
    await agentDone(session, performance.now(), 8000).catch(() => undefined);
    await call.hangup();
    await session.done;

    const rec = await call.recordings();
    mkdirSync(OUT, { recursive: true });
    const heardPath = join(OUT, `call-${call.callId}-heard.wav`);
    const saidPath = join(OUT, `call-${call.callId}-said.wav`);
    writeFileSync(heardPath, rec.heard);
    writeFileSync(saidPath, rec.said);
    const leftovers = await leaks(driver, engine);
    printReport(call, session, analyzeCall(rec.heard, rec.said), t0, engine, { heardPath, saidPath }, leftovers);
    if (leftovers.length > 0) exitCode = 1;
  } catch (err) {
    console.error('demo failed:', err instanceof Error ? err.message : err);
    exitCode = 1;
  } finally {
    await driver.close();
    await engine.close();
    await sim.close();
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

async function sessionOf(engine: Engine, callerId: string): Promise<CallSession> {
  for (let i = 0; i < 100; i++) {
    for (const s of engine.manager.calls) if (s.callerId === callerId) return s;
    await sleep(20);
  }
  throw new Error(`the engine never took call ${callerId}`);
}

/** Resolves when the session records `what` at or after `after` (performance.now() time). */
async function mark(session: CallSession, what: string, after: number, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (session.timeline.marks.some((m) => m.what === what && m.at >= after)) return;
    await sleep(20);
  }
  throw new Error(`no ${what} within ${timeoutMs} ms`);
}

/** Waits until the agent has finished speaking (plus a breath, as a person would). */
async function agentDone(session: CallSession, after: number, timeoutMs = 15_000): Promise<void> {
  await mark(session, 'agent_audio_end', after, timeoutMs);
  await sleep(400);
}

async function leaks(driver: CallDriver, engine: Engine): Promise<string[]> {
  const channels = (await driver.ari.channels.list()).map((c) => `channel ${c.id}`);
  const bridges = (await driver.ari.bridges.list()).map((b) => `bridge ${b.id}`);
  const files = (await engine.media.list()).map((f) => `file ${f}`);
  return [...channels, ...bridges, ...files];
}

function printReport(
  call: TestCall,
  session: CallSession,
  a: ReturnType<typeof analyzeCall>,
  t0: number,
  engine: Engine,
  paths: { heardPath: string; saidPath: string },
  leftovers: string[],
): void {
  const cfg = engine.config;
  const rows: Array<[number, string, string]> = [];
  const s = (ms: number) => (ms / 1000).toFixed(2).padStart(6);
  for (const m of call.marks) {
    const d = m.data ?? {};
    const text = m.what === 'caller_says' ? `starts playing ${d.media}` : m.what === 'caller_said' ? `finished ${d.media}` : m.what.replace(/_/g, ' ');
    rows.push([m.at, 'caller', text]);
  }
  const start = call.t0;
  for (const m of session.timeline.marks) {
    const d = m.data ?? {};
    let text: string | null = null;
    switch (m.what) {
      case 'answered':
        text = 'answered in Stasis';
        break;
      case 'bound':
        text = `AudioSocket bound (${d.transport}, ${d.rate} Hz) ${d.bindMs} ms after the request`;
        break;
      case 'fallback':
        text = `fell back to a snoop (${d.cause})`;
        break;
      case 'provider_started':
        text = `provider session started (${d.provider})`;
        break;
      case 'user_speech_start':
        text = 'hears the caller start speaking';
        break;
      case 'user_speech_end':
        text = "hears the caller's turn end";
        break;
      case 'transcript':
        text = `${d.role === 'agent' ? 'agent says' : 'caller said'}: "${d.text}"`;
        break;
      case 'agent_audio_start':
        text = d.greeting ? 'greeting starts playing' : 'answer starts playing';
        break;
      case 'agent_audio_end':
        text = 'agent audio finished';
        break;
      case 'barge_in':
        text = `BARGE-IN (${d.source}): agent stopped ${d.latencyMs} ms after the caller's speech onset (${d.cancelMs} ms after the decision)`;
        break;
      case 'playback_failed':
        text = `playback failed: ${d.uri}`;
        break;
      case 'teardown':
        text = `tearing down (${d.reason})`;
        break;
    }
    if (text) rows.push([m.at - start, 'engine', text]);
  }
  rows.sort((x, y) => x[0] - y[0]);

  const out: string[] = [];
  out.push('');
  out.push(`Demo call ${call.callId}: simulated Asterisk → engine (audio_transport=${cfg.audio_transport}, downstream_mode=${cfg.downstream_mode}, provider=${cfg.default_provider})`);
  out.push('');
  out.push('  time(s)  who     what');
  for (const [at, who, what] of rows) out.push(`  ${s(at)}   ${who.padEnd(6)}  ${what}`);
  out.push('');
  out.push("What the caller heard (from the caller's MixMonitor recording):");
  for (const h of a.heard) out.push(`  agent audio   ${s(h.startMs)} → ${s(h.endMs)} s`);
  for (const x of a.said) out.push(`  caller speech ${s(x.startMs)} → ${s(x.endMs)} s`);
  out.push('');
  const summary = session.timeline.summary();
  out.push('Timings:');
  out.push(`  answer → greeting heard by the engine's clock: ${summary.greetingMs} ms; bind: ${summary.bindMs} ms`);
  summary.turns.forEach((t, i) => out.push(`  turn ${i + 1}: response ${t.responseMs} ms (provider ${t.providerMs} ms + engine ${t.engineMs} ms), after the engine's end-of-turn`));
  a.responses.forEach((r, i) => out.push(`  at the caller, reply ${i + 1}: ${r.responseMs} ms from end of speech to first agent audio`));
  a.bargeIns.forEach((b) => out.push(`  at the caller, barge-in: agent audio stopped ${b.stopLatencyMs} ms after the caller began talking over it`));
  out.push('');
  out.push(`Recording: ${relative(process.cwd(), paths.heardPath)} (heard), ${relative(process.cwd(), resolve(paths.saidPath))} (said)`);
  out.push(leftovers.length === 0 ? 'Cleanup: no channel, bridge or media file left behind.' : `LEFT BEHIND: ${leftovers.join(', ')}`);
  out.push('');
  process.stdout.write(out.join('\n'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

void main();
