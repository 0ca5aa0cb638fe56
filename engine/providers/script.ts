/**
 * The script of the `scripted` provider: which recorded answer to play for the greeting, for each
 * caller turn, for a known utterance and for a DTMF digit.
 *
 * A script is YAML validated with zod. Every error names the key that is wrong (for example
 * `replies.2.audio: file not found: /x/y.wav`), because the person fixing it is editing YAML, not
 * reading a stack trace. Audio paths are resolved here, once, so that a broken path fails when the
 * script is loaded (and /ready says so), not in the middle of a call.
 *
 * Shape (see config/scripts/demo.yaml for a commented example):
 *
 *   think_ms: 150            # simulated thinking delay between end of speech and the answer
 *   chunk_ms: 200            # size of each agent_audio chunk
 *   delivery_speed: 4        # how much faster than real time chunks are emitted (0 = all at once)
 *   greeting: { audio: fixtures/audio/agent-greeting-16k.wav, text: "Hello ..." }
 *   replies:                 # keyed by caller turn number, from 1
 *     1: { audio: ..., text: ..., expected_user_text: ... }
 *   default: { audio: ..., text: ... }     # any turn without its own reply
 *   transcripts:             # utterance text -> reply, when the provider is told what was said
 *     "what are your opening hours": { audio: ..., text: ... }
 *   on_dtmf:
 *     "1": { audio: ..., text: ... }
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A script that failed to load. `code` is stable; the message names the offending key. */
export class ScriptError extends Error {
  readonly code: 'SCRIPT_NOT_FOUND' | 'SCRIPT_YAML' | 'SCRIPT_INVALID';
  constructor(code: ScriptError['code'], message: string) {
    super(message);
    this.name = 'ScriptError';
    this.code = code;
  }
}

const audioPath = z.string().trim().min(1, 'must be a non-empty audio file path');

const replySchema = z
  .object({
    audio: audioPath,
    /** What the agent says: emitted as the agent transcript and in response_started. */
    text: z.string().optional(),
    /** What the caller is expected to have said: the user transcript of that turn. */
    expected_user_text: z.string().optional(),
  })
  .strict();

const greetingSchema = z
  .object({
    audio: audioPath,
    text: z.string().optional(),
  })
  .strict();

const turnKey = z.string().regex(/^[1-9][0-9]*$/, 'turn numbers are whole numbers from 1');
const dtmfKey = z.string().regex(/^[0-9A-D*#]$/, 'must be one DTMF digit: 0-9, A-D, * or #');

const scriptSchema = z
  .object({
    think_ms: z.number().int().min(0).max(60_000).default(150),
    chunk_ms: z.number().int().min(20).max(5_000).default(200),
    delivery_speed: z.number().min(0).max(1_000).default(4),
    greeting: greetingSchema.optional(),
    replies: z.record(turnKey, replySchema).default({}),
    default: replySchema.optional(),
    transcripts: z.record(z.string().min(1), replySchema).default({}),
    on_dtmf: z.record(dtmfKey, replySchema).default({}),
  })
  .strict();

/** One answer of the script. `key` is where it sits in the YAML (e.g. `replies.2`), for messages. */
export type ScriptReply = z.infer<typeof replySchema> & { key: string };
export type ScriptGreeting = z.infer<typeof greetingSchema> & { key: string };

/** A validated script; every `audio` is an absolute path to a file that existed at load time. */
export interface Script {
  thinkMs: number;
  chunkMs: number;
  /** 1 = real time; 4 = four times faster than real time; 0 = the whole response at once. */
  deliverySpeed: number;
  greeting?: ScriptGreeting;
  /** By turn number (1, 2, ...). */
  replies: ReadonlyMap<number, ScriptReply>;
  default?: ScriptReply;
  /** By normalized utterance text (see normalizeUtterance). */
  transcripts: ReadonlyMap<string, ScriptReply>;
  onDtmf: ReadonlyMap<string, ScriptReply>;
  /** Where the script came from, for logs and error messages. */
  source: string;
}

export interface ParseScriptOptions {
  /** Relative audio paths are tried against this folder first (the script's folder). */
  baseDir: string;
  /** ...then against this one (the repository root). Default: process.cwd(). */
  rootDir?: string;
  /** Named in error messages. */
  source?: string;
}

/**
 * Lower-cased words without punctuation, single-spaced: transcripts written by people and by a
 * fixture generator then match ("What are your hours?" == "what are your hours").
 */
export function normalizeUtterance(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Parses and validates script text. Throws ScriptError naming the key at fault. */
export function parseScript(text: string, options: ParseScriptOptions): Script {
  const source = options.source ?? '<script>';
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ScriptError('SCRIPT_YAML', `${source}: not valid YAML: ${(err as Error).message}`);
  }
  if (raw === null || raw === undefined) raw = {};

  const parsed = scriptSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap(describeIssue);
    throw new ScriptError('SCRIPT_INVALID', `${source}: ${issues.join('; ')}`);
  }
  const s = parsed.data;
  const rootDir = options.rootDir ?? process.cwd();
  const problems: string[] = [];
  const locate = <T extends { audio: string }>(key: string, entry: T): T & { key: string } => {
    const found = resolveAudioPath(entry.audio, options.baseDir, rootDir);
    if (!found.ok) problems.push(`${key}.audio: ${found.reason}`);
    return { ...entry, audio: found.ok ? found.path : entry.audio, key };
  };

  const replies = new Map<number, ScriptReply>();
  for (const [turn, reply] of Object.entries(s.replies)) replies.set(Number(turn), locate(`replies.${turn}`, reply));
  const transcripts = new Map<string, ScriptReply>();
  for (const [utterance, reply] of Object.entries(s.transcripts)) {
    const key = normalizeUtterance(utterance);
    if (key === '') problems.push(`transcripts.${JSON.stringify(utterance)}: has no words`);
    else if (transcripts.has(key)) problems.push(`transcripts.${JSON.stringify(utterance)}: same words as another entry`);
    transcripts.set(key, locate(`transcripts.${JSON.stringify(utterance)}`, reply));
  }
  const onDtmf = new Map<string, ScriptReply>();
  for (const [digit, reply] of Object.entries(s.on_dtmf)) onDtmf.set(digit, locate(`on_dtmf.${digit}`, reply));

  const script: Script = {
    thinkMs: s.think_ms,
    chunkMs: s.chunk_ms,
    deliverySpeed: s.delivery_speed,
    greeting: s.greeting ? locate('greeting', s.greeting) : undefined,
    replies,
    default: s.default ? locate('default', s.default) : undefined,
    transcripts,
    onDtmf,
    source,
  };
  if (problems.length > 0) throw new ScriptError('SCRIPT_INVALID', `${source}: ${problems.join('; ')}`);
  return script;
}

/** Reads, parses and validates a script file. Throws ScriptError. */
export function loadScriptFile(path: string, rootDir?: string): Script {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new ScriptError('SCRIPT_NOT_FOUND', `${absolute}: cannot read script: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseScript(text, { baseDir: dirname(absolute), rootDir, source: absolute });
}

/** The reply for a caller turn: a known utterance first, then the turn's own reply, then default. */
export function replyForTurn(script: Script, turn: number, utterance?: string): ScriptReply | undefined {
  if (utterance !== undefined) {
    const byText = script.transcripts.get(normalizeUtterance(utterance));
    if (byText) return byText;
  }
  return script.replies.get(turn) ?? script.default;
}

function resolveAudioPath(
  path: string,
  baseDir: string,
  rootDir: string,
): { ok: true; path: string } | { ok: false; reason: string } {
  const candidates = isAbsolute(path) ? [path] : [resolve(baseDir, path), resolve(rootDir, path)];
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return { ok: true, path: candidate };
  }
  return { ok: false, reason: `file not found (tried ${[...new Set(candidates)].join(', ')})` };
}

function keyOf(path: (string | number)[]): string {
  return path.length === 0 ? '(top level)' : path.join('.');
}

function describeIssue(issue: z.ZodIssue): string[] {
  // zod reports unknown keys on the parent object; name each one so a typo is obvious.
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${keyOf([...issue.path, k])}: unknown key`);
  return [`${keyOf(issue.path)}: ${issue.message}`];
}
