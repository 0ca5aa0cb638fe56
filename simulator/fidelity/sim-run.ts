/**
 * One fidelity run: a simulator started over its real sockets with the traces' own dialplan
 * (fixtures/traces/setup/extensions.conf, copied into a temp config dir with the AudioSocket
 * address pointed at this run's server), the events WebSockets the trace harness had open, an
 * HTTP client, and an AudioSocket server. Everything observed is recorded in the traces' record
 * shapes (`src: "http" | "ari-ws:ai" | "ari-ws:caller" | "as"`, firehose apart), so the tests
 * extract and normalise both sides with the same code (harness.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { tone } from '../../engine/audio/tone.js';
import { ulawEncode } from '../../engine/audio/ulaw.js';
import { encodeWav } from '../../engine/audio/wav.js';
import { SimPbx } from '../core/pbx.js';
import { startSimulator, type Simulator } from '../main.js';
import { AsServer, type AsPeer } from './as-peer.js';
import {
  APP_OF_SOURCE,
  FIREHOSE,
  notAnsweredFirst,
  sequences,
  subjectOf,
  TRACE_AUDIOSOCKET,
  TRACE_EXTENSIONS_CONF,
  type AsRecord,
  type EventRecord,
  type HttpRecord,
  type Json,
  type SequenceOptions,
  type TraceRecord,
  type TraceSound,
  traceSounds,
} from './harness.js';

/** A sound written for the run: a tone (or silence, freq 0) at an RMS level. */
export type ToneFile = TraceSound;

export interface RunOptions {
  /** Event sources to open sockets for (AI, CALLER, FIREHOSE from harness.ts). */
  sockets: readonly string[];
  /** More sound files (under the sound folder's en/); the traces' own prompts are always written. */
  sounds?: readonly ToneFile[];
  /** Asterisk path prefix → sub-folder of the run's temp dir (absolute sound paths, s7). */
  pathMap?: Record<string, string>;
  /** Tone files written under a pathMap folder: `{dir: '/var/lib/asterisk/tts', ...}`. */
  mappedSounds?: readonly (ToneFile & { dir: string })[];
}

const USER = 'asterisk';
const PASSWORD = 'asterisk';

export class FidelityRun {
  readonly records: TraceRecord[] = [];
  readonly firehose: EventRecord[] = [];
  readonly t0 = performance.now();
  private waiters: (() => void)[] = [];
  private readonly sockets: WebSocket[] = [];
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(
    readonly sim: Simulator,
    readonly as: AsServer,
    readonly dir: string,
    private readonly spoolDir: string,
  ) {}

  static async start(options: RunOptions): Promise<FidelityRun> {
    const dir = mkdtempSync(join(tmpdir(), 'sim-fidelity-'));
    const configDir = join(dir, 'etc');
    const soundDir = join(dir, 'sounds');
    const spoolDir = join(dir, 'spool');
    for (const d of [configDir, soundDir, spoolDir]) mkdirSync(d, { recursive: true });
    const pathMap: Record<string, string> = {};
    for (const [from, sub] of Object.entries(options.pathMap ?? {})) {
      pathMap[from] = join(dir, sub);
      mkdirSync(pathMap[from], { recursive: true });
    }
    mkdirSync(join(soundDir, 'en'));
    for (const s of [...traceSounds(), ...(options.sounds ?? [])]) writeTone(join(soundDir, 'en', s.file), s);
    for (const s of options.mappedSounds ?? []) writeTone(join(pathMap[s.dir], s.file), s);

    let run: FidelityRun | undefined;
    const sink = { now: () => (run ? run.now() : 0), push: (r: AsRecord) => run?.records.push(r) };
    const as = await AsServer.start(sink, () => run?.wake());
    writeFileSync(join(configDir, 'extensions.conf'), readFileSync(TRACE_EXTENSIONS_CONF, 'utf8').replaceAll(TRACE_AUDIOSOCKET, as.address));
    const logger = pino({ level: process.env.SIM_TEST_LOG ?? 'silent' });
    const pbx = new SimPbx({ configDir, soundDirs: [soundDir], spoolDir, logger, pathMap });
    const sim = await startSimulator({ port: 0, pbx, logger, username: USER, password: PASSWORD });
    run = new FidelityRun(sim, as, dir, spoolDir);
    run.observeServer();
    for (const src of options.sockets) await run.openEvents(src);
    return run;
  }

  /**
   * What the simulator itself did, in order: each request received, each answer written, each
   * event published to an app. Order on the client side is not enough to tell which went out
   * first when they are a millisecond apart (the client reads two sockets).
   */
  readonly serverLog: ({ kind: 'request' | 'answer'; path: string } | { kind: 'event'; subject: string | undefined; apps: string[] })[] = [];

  private observeServer(): void {
    this.sim.ari.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const path = req.url ?? '';
      this.serverLog.push({ kind: 'request', path });
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        this.serverLog.push({ kind: 'answer', path });
        return end(...args);
      }) as typeof res.end;
    });
    const hub = this.sim.ari.hub;
    const deliver = hub.deliver.bind(hub);
    hub.deliver = (event, route) => {
      this.serverLog.push({ kind: 'event', subject: subjectOf(event as unknown as Json), apps: [...route.apps] });
      deliver(event, route);
    };
  }

  /** The request paths the simulator answered before publishing any app event about an id they name. */
  answeredFirst(): string[] {
    const out: string[] = [];
    this.serverLog.forEach((entry, i) => {
      if (entry.kind !== 'request') return;
      const path = decodeURIComponent(entry.path);
      const answeredAt = this.serverLog.findIndex((e, j) => j > i && e.kind === 'answer' && e.path === entry.path);
      const early = this.serverLog
        .slice(i + 1, answeredAt < 0 ? undefined : answeredAt)
        .some((e) => e.kind === 'event' && e.apps.length > 0 && e.subject !== undefined && path.includes(e.subject));
      if (!early) out.push(entry.path);
    });
    return out;
  }

  /** ms since the run started (the traces' `t`). */
  now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  /** What the simulator writes under /var/spool/asterisk lives here. */
  spoolPath(asteriskPath: string): string {
    return asteriskPath.replace(/^\/var\/spool\/asterisk/, this.spoolDir);
  }

  private async openEvents(src: string): Promise<void> {
    const app = APP_OF_SOURCE[src];
    const all = src === FIREHOSE ? '&subscribeAll=true' : '';
    const ws = new WebSocket(`${this.sim.eventsUrl}?app=${encodeURIComponent(app)}${all}&api_key=${USER}:${PASSWORD}`);
    this.sockets.push(ws);
    ws.on('message', (data) => {
      const record: EventRecord = { t: this.now(), src, event: JSON.parse(String(data)) as EventRecord['event'] };
      if (src === FIREHOSE) this.firehose.push(record);
      else this.records.push(record);
      this.wake();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  /**
   * An ARI request, recorded like the traces' `src: "http"` lines: `t` when the whole answer was
   * in, `ms` the round trip. `path` starts with /ari (or /_sim).
   */
  http(method: string, path: string, body?: unknown): Promise<HttpRecord> {
    const started = performance.now();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${this.sim.url}${path}`,
        {
          method,
          agent: this.agent,
          auth: `${USER}:${PASSWORD}`,
          headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const record: HttpRecord = {
              t: this.now(),
              src: 'http',
              method,
              path,
              status: res.statusCode ?? 0,
              ms: Math.round((performance.now() - started) * 10) / 10,
              response: text === '' ? '' : (JSON.parse(text) as unknown),
            };
            if (body !== undefined) record.requestBody = body;
            this.records.push(record);
            this.wake();
            resolve(record);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * Requests written back to back on one connection (HTTP/1.1 pipelining), so the simulator reads
   * them all before it does anything else: how to put it in a situation a trace caught by timing
   * (s11: a second DELETE that reached Asterisk before the first hangup had started). Recorded
   * like http(); answers come in order.
   */
  pipelined(recs: readonly HttpRecord[]): Promise<HttpRecord[]> {
    const url = new URL(this.sim.url);
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const wire = recs
      .map((r) => `${r.method} ${r.path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Basic ${auth}\r\nContent-Length: 0\r\n\r\n`)
      .join('');
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const out: HttpRecord[] = [];
      let buffered = Buffer.alloc(0);
      const socket = connect(Number(url.port), url.hostname);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = buffered.subarray(0, end).toString('latin1');
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length < end + 4 + length) break;
          const text = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
          buffered = buffered.subarray(end + 4 + length);
          const rec = recs[out.length];
          const record: HttpRecord = {
            t: this.now(),
            src: 'http',
            method: rec.method,
            path: rec.path,
            status: Number(head.split(' ')[1]),
            ms: Math.round((performance.now() - started) * 10) / 10,
            response: text === '' ? '' : (JSON.parse(text) as unknown),
          };
          out.push(record);
          this.records.push(record);
          this.wake();
        }
        if (out.length === recs.length) {
          socket.end();
          resolve(out);
        }
      });
      socket.write(wire);
    });
  }

  /**
   * Sends a request the trace made: same method, path and body, with the trace's AudioSocket
   * address replaced by this run's (and any other `rewrite`s, applied to the decoded path).
   */
  replay(rec: HttpRecord, rewrite: Record<string, string> = {}): Promise<HttpRecord> {
    let path = rec.path;
    let body = rec.requestBody === undefined ? undefined : JSON.stringify(rec.requestBody);
    for (const [from, to] of Object.entries({ [TRACE_AUDIOSOCKET]: this.as.address, ...rewrite })) {
      path = path.split(from).join(to).split(encodeURIComponent(from)).join(encodeURIComponent(to));
      body = body?.split(from).join(to);
    }
    return this.http(rec.method, path, body === undefined ? undefined : JSON.parse(body));
  }

  /** This run's strings that stand for the trace's (its AudioSocket address is 127.0.0.1:8090 there). */
  get aliases(): Record<string, string> {
    return { [this.as.address]: '<audiosocket>' };
  }

  /** `sequences()` of this run's events on `src` against the trace's `want`. */
  compare(src: string, want: readonly EventRecord[], opts: SequenceOptions = {}): ReturnType<typeof sequences> {
    return sequences(this.events(src), want, { ...opts, gotAliases: { ...this.aliases, ...opts.gotAliases } });
  }

  events(src: string): EventRecord[] {
    return src === FIREHOSE ? this.firehose : this.records.filter((r): r is EventRecord => r.src === src);
  }

  /** Resolves when `check` holds; rejects after `timeoutMs` with what it was waiting for. */
  async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 10);
      });
    }
  }

  /** The first event from `src` matching `pred` (already received or to come). */
  async waitEvent(src: string, pred: (e: Json & { type: string }) => boolean, timeoutMs = 3000, what = 'event'): Promise<EventRecord> {
    let found: EventRecord | undefined;
    await this.until(() => (found = this.events(src).find((r) => pred(r.event))) !== undefined, timeoutMs, `${what} on ${src}`);
    return found!;
  }

  /** The next AudioSocket connection. */
  connection(timeoutMs = 3000): Promise<AsPeer> {
    return this.as.next((check, ms, what) => this.until(check, ms, what), timeoutMs);
  }

  /** The next AudioSocket connection, once its UUID frame is in (what every server waits for). */
  async identifiedConnection(connectMs = 3000, uuidMs = 1000): Promise<AsPeer> {
    const peer = await this.connection(connectMs);
    await this.until(() => peer.uuid !== undefined, uuidMs, 'the UUID frame');
    return peer;
  }

  /**
   * Requests the trace answered before any app event about them but this run did not (should be
   * none); the trace's AudioSocket address stands for this run's.
   */
  notAnsweredFirst(trace: readonly TraceRecord[]): string[] {
    return notAnsweredFirst(this.answeredFirst(), trace, (p) => p.split(TRACE_AUDIOSOCKET).join(this.as.address));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await this.sim.close();
    await this.as.close();
    this.agent.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A loopback address nothing listens on (a port just freed). */
export async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

function writeTone(path: string, s: ToneFile): void {
  const pcm = s.freq === 0 ? Buffer.alloc((s.ms / 1000) * 8000 * 2) : tone(s.freq, s.ms, 8000, (s.rms * Math.SQRT2) / 32767);
  if (path.endsWith('.wav')) writeFileSync(path, encodeWav(pcm, 8000));
  else if (path.endsWith('.ulaw')) writeFileSync(path, ulawEncode(pcm));
  else writeFileSync(path, pcm);
}

