/**
 * Fidelity suite helpers, trace side: load a recorded scenario of the real Asterisk 22.10.1
 * (fixtures/traces/<name>.jsonl and .firehose.jsonl), cut it into variants, and turn ARI event
 * sequences into comparable lines (ids that differ from run to run mapped to roles, timestamps
 * dropped). A simulator run records the same record shapes (sim-run.ts), so both sides go through
 * the same extraction and normalisation and the tests compare like with like.
 *
 * Expectations are read from the traces at test time; nothing here hard-codes what Asterisk did.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analysisSegment, mainClasses, median } from './audio.js';

export * from './audio.js';

export const TRACES_DIR = fileURLToPath(new URL('../../fixtures/traces/', import.meta.url));
export const TRACE_EXTENSIONS_CONF = `${TRACES_DIR}setup/extensions.conf`;
/** The AudioSocket server address the traces' dialplan and requests use. */
export const TRACE_AUDIOSOCKET = '127.0.0.1:8090';

export type Json = Record<string, unknown>;

/** One line of a trace (or of a simulator run): `t` in ms since the scenario started. */
export interface TraceRecord extends Json {
  t: number;
  src: string;
}

export interface HttpRecord extends TraceRecord {
  src: 'http';
  method: string;
  path: string;
  status: number;
  ms?: number;
  response?: unknown;
  requestBody?: unknown;
}

export interface EventRecord extends TraceRecord {
  event: Json & { type: string };
}

/** The AudioSocket server's log: connect, frame (kind "0x10", len), end (FIN), close, socket-error. */
export interface AsRecord extends TraceRecord {
  src: 'as';
  conn: number;
  ev: string;
}

/** Event sources: the app sockets and the subscribeAll socket. */
export const AI = 'ari-ws:ai';
export const CALLER = 'ari-ws:caller';
export const FIREHOSE = 'ari-ws:firehose';
/** Which Stasis application each event source is. */
export const APP_OF_SOURCE: Readonly<Record<string, string>> = {
  [AI]: 'asterisk-ai-voice-agent',
  [CALLER]: 'test-caller',
  [FIREHOSE]: 'firehose',
};

export interface Trace {
  name: string;
  /** The .jsonl, in order. */
  records: TraceRecord[];
  /** The .firehose.jsonl (every event, subscribeAll=true), in order. */
  firehose: EventRecord[];
}

function readJsonl(path: string): TraceRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TraceRecord);
}

/** Loads `fixtures/traces/<name>.jsonl` and its firehose. */
export function loadTrace(name: string): Trace {
  const records = readJsonl(`${TRACES_DIR}${name}.jsonl`);
  let firehose: EventRecord[] = [];
  try {
    firehose = readJsonl(`${TRACES_DIR}${name}.firehose.jsonl`) as EventRecord[];
  } catch {
    // s14 was recorded without a firehose socket.
  }
  return { name, records, firehose };
}

/** The scenario's start record (name, description). */
export function scenarioStart(records: readonly TraceRecord[]): Json {
  const start = records.find((r) => r.src === 'scenario' && r.ev === 'start');
  if (!start) throw new Error('trace has no scenario start record');
  return start;
}

/**
 * Cuts a trace at harness markers (e.g. `{"src":"harness","ev":"variant",...}`): one slice per
 * marker, from it to the next one. `key` picks the marker field naming the slice.
 */
export function splitAt(records: readonly TraceRecord[], ev: string, key: string): Map<string, TraceRecord[]> {
  const out = new Map<string, TraceRecord[]>();
  let current: TraceRecord[] | undefined;
  for (const r of records) {
    if (r.src === 'harness' && r.ev === ev) {
      current = [];
      out.set(String(r[key]), current);
    }
    current?.push(r);
  }
  return out;
}

export function eventsFrom(records: readonly TraceRecord[], src: string): EventRecord[] {
  return records.filter((r): r is EventRecord => r.src === src && typeof r.event === 'object' && r.event !== null);
}

export function httpFrom(records: readonly TraceRecord[]): HttpRecord[] {
  return records.filter((r): r is HttpRecord => r.src === 'http');
}

export function asFrom(records: readonly TraceRecord[]): AsRecord[] {
  return records.filter((r): r is AsRecord => r.src === 'as');
}

export function harnessFrom(records: readonly TraceRecord[]): TraceRecord[] {
  return records.filter((r) => r.src === 'harness');
}

/** When a recorded request went out: `t` is when its answer was in, `ms` the round trip. */
export function sentAt(rec: HttpRecord): number {
  return rec.t - rec.ms!;
}

/** Every request's normalised answer, in order: what "answered as in the trace" compares. */
export function httpAnswers(records: readonly TraceRecord[], aliases: Record<string, string> = {}): { status: number; body: unknown }[] {
  return httpFrom(records).map((h) => answer(h, aliases));
}

/** The firehose minus DeviceStateChanged (the trace's came from devices outside the scenario). */
export function withoutDeviceState(records: readonly EventRecord[]): EventRecord[] {
  return records.filter((r) => r.event.type !== 'DeviceStateChanged');
}

/** The AudioSocket server's `close` record, with the per-connection statistics it logged. */
export type CloseRecord = AsRecord & {
  stats: { audioFrames: number; sizes: Record<string, number>; freqHistogram: Record<string, number>; gapMs: { p50: number } };
};

export function closeRecord(records: readonly TraceRecord[]): CloseRecord {
  return asFrom(records).find((r) => r.ev === 'close') as CloseRecord;
}

/** The most frequent frame size (bytes) of a close record's `sizes` histogram, as its key. */
export function usualSize(sizes: Record<string, number>): string {
  return Object.entries(sizes).sort((a, b) => b[1] - a[1])[0][0];
}

/** Frames as `[kind, len]` pairs: the trace's `frame` records and a peer's frames alike. */
export function frameShapes(frames: readonly object[]): unknown[][] {
  return frames.map((f) => [(f as Json).kind, (f as Json).len]);
}

/** The median time between consecutive frames (their `t`), in ms. */
export function medianGapMs(frames: readonly { t: number }[]): number {
  return median(frames.slice(1).map((f, i) => f.t - frames[i].t));
}

/** The one HTTP request matching method and a path test; throws when there is not exactly one. */
export function request(records: readonly TraceRecord[], method: string, path: RegExp): HttpRecord {
  const found = httpFrom(records).filter((h) => h.method === method && path.test(h.path));
  if (found.length !== 1) throw new Error(`expected one ${method} ${path} in the trace, found ${found.length}`);
  return found[0];
}

/** Query parameters of a recorded request path, decoded. */
export function queryOf(path: string): Record<string, string> {
  const q = path.indexOf('?');
  return q < 0 ? {} : Object.fromEntries(new URLSearchParams(path.slice(q + 1)));
}

/** The channel (or peer, playback, recording, bridge) id an event is about. */
export function subjectOf(event: Json): string | undefined {
  for (const key of ['channel', 'peer', 'playback', 'bridge']) {
    const v = event[key] as Json | undefined;
    if (v && typeof v.id === 'string') return v.id;
  }
  const rec = event.recording as Json | undefined;
  return rec ? String(rec.name) : undefined;
}

// ---- normalisation ----

/** Fields that differ on every run and say nothing about behaviour. */
const VOLATILE_KEYS = new Set(['timestamp', 'creationtime', 'wall']);

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Asterisk uniqueids: `<startup epoch>.<n>`. */
const UNIQUEID = /\b\d{9,11}\.\d+\b/g;
/** The 8-hex sequence number in Local and Snoop channel names. */
const LOCAL_SEQ = /(Local\/[^;"\s]*?-)[0-9a-f]{8}(;[12])/g;
const SNOOP_SEQ = /(Snoop\/[^"\s]*-)[0-9a-f]{8}\b/g;

/**
 * Maps what legitimately differs between the trace and a simulator run to placeholders: given
 * aliases (the AudioSocket server address), Asterisk-generated uniqueids and UUIDs (numbered by
 * first appearance, so "the same id again" is still visible), and channel-name sequence numbers.
 * One Normalizer per side of a comparison, fed in the same order on both sides.
 */
export class Normalizer {
  private readonly aliases: [string, string][];
  private readonly uuids = new Map<string, string>();
  private readonly uniqueids = new Map<string, string>();

  constructor(aliases: Record<string, string> = {}) {
    this.aliases = Object.entries(aliases).sort((a, b) => b[0].length - a[0].length);
  }

  text(s: string): string {
    let out = s;
    for (const [from, to] of this.aliases) out = out.split(from).join(to);
    out = out.replace(LOCAL_SEQ, '$1<seq>$2').replace(SNOOP_SEQ, '$1<seq>');
    out = out.replace(UUID, (u) => numbered(this.uuids, u.toLowerCase(), 'uuid'));
    out = out.replace(UNIQUEID, (u) => numbered(this.uniqueids, u, 'uniqueid'));
    return out;
  }

  /** A value with volatile keys removed and every string normalised. */
  value(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v && typeof v === 'object') {
      const out: Json = {};
      for (const [k, x] of Object.entries(v as Json)) if (!VOLATILE_KEYS.has(k)) out[k] = this.value(x);
      // A recording's whole-second duration depends on where in a wall-clock second it started
      // (Asterisk counts max_duration with time(NULL)), so it is checked with a tolerance by the
      // scenario's own timing test, not in the event sequence.
      if ('duration' in out && 'format' in out && 'target_uri' in out) out.duration = '<whole seconds>';
      return out;
    }
    return v;
  }

  /** One comparable line per event. */
  event(event: Json): string {
    return JSON.stringify(sortKeys(this.value(event)));
  }

  events(records: readonly EventRecord[]): string[] {
    return records.map((r) => this.event(r.event));
  }
}

function numbered(map: Map<string, string>, key: string, what: string): string {
  let v = map.get(key);
  if (!v) {
    v = `<${what}#${map.size + 1}>`;
    map.set(key, v);
  }
  return v;
}

/** Key order is not behaviour: the trace's `variable`/`value` come before `type`, ours after. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as Json).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  }
  return v;
}

/** Compact "Type subject detail" lines, for failure messages and loose order checks. */
export function brief(event: Json): string {
  const detail = [event.variable, event.value, event.dialplan_app, event.cause, event.dialstatus, (event.playback as Json | undefined)?.state]
    .filter((x) => x !== undefined && x !== '')
    .join(' ');
  return `${event.type} ${subjectOf(event) ?? ''} ${detail}`.trim();
}

// ---- comparisons ----

export interface SequenceOptions {
  /** Placeholders for strings of the simulator side (its AudioSocket address…). */
  gotAliases?: Record<string, string>;
  /** Placeholders for strings of the trace side (127.0.0.1:8090…). */
  wantAliases?: Record<string, string>;
  /**
   * Events whose position raced in real Asterisk (same events, order varies between traces):
   * compared as a multiset, the rest in order. Each use names the traces that show the race.
   */
  racy?: (event: Json) => boolean;
}

/**
 * The normalised event lines of both sides, split into the ordered part and the racy multiset,
 * ready for `expect(got).toEqual(want)`.
 */
export function sequences(got: readonly EventRecord[], want: readonly EventRecord[], opts: SequenceOptions = {}): { got: { ordered: string[]; racy: string[] }; want: { ordered: string[]; racy: string[] } } {
  const side = (records: readonly EventRecord[], aliases: Record<string, string> | undefined) => {
    const n = new Normalizer({ [TRACE_AUDIOSOCKET]: '<audiosocket>', ...aliases });
    const ordered: string[] = [];
    const racy: string[] = [];
    for (const r of records) (opts.racy?.(r.event) ? racy : ordered).push(n.event(r.event));
    return { ordered, racy: racy.sort() };
  };
  return { got: side(got, opts.gotAliases), want: side(want, opts.wantAliases) };
}

/** A normalised HTTP answer: status and body, for comparing a replayed request with the trace's. */
export function answer(rec: HttpRecord, aliases: Record<string, string> = {}): { status: number; body: unknown } {
  const n = new Normalizer({ [TRACE_AUDIOSOCKET]: '<audiosocket>', ...aliases });
  return { status: rec.status, body: n.value(rec.response) };
}

/** Firehose events received between two times of the trace (a variant's slice). */
export function firehoseBetween(trace: Trace, from: number, to = Infinity): EventRecord[] {
  return trace.firehose.filter((r) => r.t >= from && r.t < to);
}

/** The time of the first event on `src` matching `pred`. */
export function timeOf(records: readonly TraceRecord[], src: string, pred: (e: Json) => boolean): number {
  const found = eventsFrom(records, src).find((r) => pred(r.event));
  if (!found) throw new Error(`no matching event on ${src}`);
  return found.t;
}

export const isType =
  (type: string, id?: string, more: (e: Json) => boolean = () => true) =>
  (e: Json): boolean =>
    e.type === type && (id === undefined || subjectOf(e) === id) && more(e);

// ---- the traces' sound files ----

export interface TraceSound {
  /** File name under the sound folder's `en/`. */
  file: string;
  /** 0 for silence. */
  freq: number;
  ms: number;
  /** RMS in sample units. */
  rms: number;
}

/**
 * The prompts the trace harness had installed, rebuilt from what the traces measured (fixtures'
 * ai-test-tone.wav is another sound: 450 Hz at twice the level):
 * - ai-test-tone: what the caller said while playing it (s8, MixMonitor t(): ~1000Hz, its RMS),
 *   for as long as s2's socket received it (its audio frames × 20 ms);
 * - ai-test-long: s6's other tone (~800Hz), at ai-test-tone's level, longer than any use (10 s);
 * - ai-silence: silence, longer than s12 played it (10 s).
 */
export function traceSounds(): TraceSound[] {
  const said = loadTrace('s8-dialplan-caller-echo').records.find((r) => r.src === 'analysis' && String(r.what).includes('said'))!;
  const tone = analysisSegment(said, '~1000Hz');
  const s2close = asFrom(loadTrace('s2-uniqueid-uuid-hangupframe').records).find((r) => r.ev === 'close')!;
  const frames = Number((s2close.stats as Json).audioFrames);
  const s6close = asFrom(loadTrace('s6-snoop-continue').records).find((r) => r.ev === 'close')!;
  const classes = mainClasses((s6close.stats as Json).freqHistogram as Record<string, number>).filter((c) => c !== 'silence' && c !== '~1000Hz');
  const longFreq = Number(/~(\d+)Hz/.exec(classes[0])![1]);
  return [
    { file: 'ai-test-tone.wav', freq: 1000, ms: frames * 20, rms: tone.maxRms },
    { file: 'ai-test-long.wav', freq: longFreq, ms: 10_000, rms: tone.maxRms },
    { file: 'ai-silence.wav', freq: 0, ms: 10_000, rms: 0 },
  ];
}

/** The first event on `src` of a type (throws when there is none). */
export function firstEvent(records: readonly TraceRecord[], src: string, type: string): Json {
  const found = eventsFrom(records, src).find((r) => r.event.type === type);
  if (!found) throw new Error(`no ${type} on ${src}`);
  return found.event;
}

/** An ARI event timestamp ("2026-11-26T07:40:45.776+0000") in epoch ms. */
export function eventWallMs(event: Json): number {
  return Date.parse(String(event.timestamp).replace(/\+0000$/, 'Z'));
}

/**
 * How far past the whole-second limit a recording stopped: Asterisk compares time(NULL) seconds,
 * so it stops at the first frame once more than maxDurationSeconds whole seconds have passed.
 */
export function pastSecondLimitMs(started: Json, finished: Json, maxSeconds: number): number {
  return eventWallMs(finished) - (Math.floor(eventWallMs(started) / 1000) + maxSeconds + 1) * 1000;
}

/**
 * The requests whose answer came before any app event about an id named in the request (the
 * originate's channels, the snoop, the playback, the recording…): Asterisk answers a request that
 * creates or starts something first, and publishes what follows after (s3, s6, s7, s9, s11, s12).
 * Returned as request paths, in order.
 */
export function answeredFirst(records: readonly TraceRecord[]): string[] {
  return httpFrom(records)
    .filter((h) => {
      const sentAt = h.t - (h.ms ?? 0);
      const path = decodeURIComponent(h.path);
      return !records.some((r) => {
        if (r.src !== AI && r.src !== CALLER) return false;
        const subject = subjectOf((r as EventRecord).event);
        return r.t >= sentAt && r.t < h.t && subject !== undefined && path.includes(subject);
      });
    })
    .map((h) => h.path);
}

/**
 * Requests answered first in the trace but not by the simulator (should be none). `simAnsweredFirst`
 * is the simulator's own record (FidelityRun.answeredFirst: what it wrote, in order).
 */
export function notAnsweredFirst(simAnsweredFirst: readonly string[], trace: readonly TraceRecord[], rewrite: (path: string) => string = (p) => p): string[] {
  const got = new Set(simAnsweredFirst);
  return answeredFirst(trace).filter((p) => !got.has(rewrite(p)));
}
