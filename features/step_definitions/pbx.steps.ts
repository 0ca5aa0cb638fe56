/**
 * The PBX's side: the events it reported, what it still holds, strangers on the engine's
 * AudioSocket port, and the simulator's own faults (@sim-only).
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Then, When, type DataTable } from '@cucumber/cucumber';
import { encodeUuid } from '../../engine/audiosocket/codec.js';
import { describeEvent } from '../support/ari-observer.js';
import { expectRows } from '../support/eventually.js';
import { sleep, type VoiceWorld } from '../support/world.js';

Then('the PBX reported:', async function (this: VoiceWorld, table: DataTable) {
  await expectRows('events the PBX reported', () => this.observer.events, table, describeEvent, 2000);
});

Then('the PBX reports within {int} ms:', async function (this: VoiceWorld, ms: number, table: DataTable) {
  await expectRows('events the PBX reported', () => this.observer.events, table, describeEvent, ms);
});

/**
 * Settled, not just momentarily empty: requests the engine still has on their way (a held one
 * may create a bridge after the call is gone) must have been answered, and the PBX must stay
 * clean for a moment after that.
 */
Then(/^nothing of (?:the|any) call is left within (\d+) ms$/, async function (this: VoiceWorld, msText: string) {
  const ms = Number(msText);
  const deadline = performance.now() + ms;
  let left: string[] = [];
  let cleanSince: number | null = null;
  for (;;) {
    left = await this.leftovers();
    const settled = left.length === 0 && this.tap.inFlight === 0;
    const now = performance.now();
    if (!settled) cleanSince = null;
    else if (cleanSince === null) cleanSince = now;
    else if (now - cleanSince >= 300) return;
    if (now > deadline) break;
    await sleep(100);
  }
  if (left.length === 0) left = [`${this.tap.inFlight} ARI request(s) of the engine still unanswered`];
  throw new Error(`left behind after ${ms} ms:\n  ${left.join('\n  ')}`);
});

Then('the PBX still has channels or a bridge of the engine', async function (this: VoiceWorld) {
  // What a killed engine could not clean: the restart must find it.
  await sleep(300);
  const left = (await this.leftovers()).filter((l) => !l.startsWith('file '));
  if (left.length === 0) throw new Error('nothing of the call is left in the PBX: the kill came too late to test the restart sweep');
  this.log(`left by the killed engine:\n  ${left.join('\n  ')}`);
});

// ── strangers on the AudioSocket port ────────────────────────────────────────────────────────

interface Stranger {
  socket: Socket;
  openedAt: number;
  closedAt: number | undefined;
}

const strangers = new WeakMap<VoiceWorld, Stranger[]>();

async function stranger(world: VoiceWorld, first: Buffer): Promise<void> {
  const socket = await world.connectToEngineAudioSocket();
  const s: Stranger = { socket, openedAt: performance.now(), closedAt: undefined };
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  socket.on('close', () => (s.closedAt = performance.now()));
  socket.write(first);
  const list = strangers.get(world) ?? [];
  list.push(s);
  strangers.set(world, list);
}

When("a stranger connects to the engine's AudioSocket port and sends a UUID no call expects", async function (this: VoiceWorld) {
  await stranger(this, encodeUuid(randomUUID()));
});

When("a stranger connects to the engine's AudioSocket port and sends {string}", async function (this: VoiceWorld, text: string) {
  await stranger(this, Buffer.from(`${text}\r\nHost: engine\r\n\r\n`));
});

Then("the engine closes every stranger's connection within {int} ms", async function (this: VoiceWorld, ms: number) {
  const list = strangers.get(this) ?? [];
  if (list.length === 0) throw new Error('no stranger connected');
  const deadline = Math.max(...list.map((s) => s.openedAt)) + ms;
  while (list.some((s) => s.closedAt === undefined) && performance.now() < deadline) await sleep(10);
  const open = list.filter((s) => s.closedAt === undefined);
  if (open.length > 0) throw new Error(`${open.length} stranger connection(s) still open after ${ms} ms`);
  const late = list.filter((s) => s.closedAt! - s.openedAt > ms);
  if (late.length > 0) throw new Error(`closed after ${late.map((s) => Math.round(s.closedAt! - s.openedAt)).join(', ')} ms, expected within ${ms} ms`);
});

// ── the simulator's own faults (@sim-only) ───────────────────────────────────────────────────

When('the phone echoes what it hears, {int} dB quieter after {int} ms', async function (this: VoiceWorld, db: number, delayMs: number) {
  const sim = this.pbx.sim;
  if (!sim?.controlUrl) throw new Error('this step needs the simulator (tag the scenario @sim-only)');
  const c = this.lastCall;
  const res = await fetch(`${sim.controlUrl}/channels/${encodeURIComponent(c.call.phoneId)}/echo`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ enabled: true, gainDb: -db, delayMs }),
  });
  if (!res.ok) throw new Error(`POST /_sim/channels/${c.call.phoneId}/echo: ${res.status} ${await res.text()}`);
});
