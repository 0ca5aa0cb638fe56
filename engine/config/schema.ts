/**
 * The shape of config/ai-agent.yaml: every key, its default, and the message an invalid value
 * gets. Keys are snake_case as in the YAML, and stay so in code (one name everywhere).
 *
 * Messages say what is expected ("expected integer 1-65535"); the loader adds the key path and
 * the value that was given. Objects are strict so a misspelt key is reported, not ignored.
 */
import { z } from 'zod';

export const PROVIDERS = ['scripted', 'deepgram'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Sample rates AudioSocket can carry (codec kinds 0x10-0x18). */
export const AUDIO_RATES = [8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000] as const;

function int(min: number, max?: number) {
  const message = max === undefined ? `expected integer >= ${min}` : `expected integer ${min}-${max}`;
  let schema = z.number({ invalid_type_error: message, required_error: 'is required' }).int(message).min(min, message);
  if (max !== undefined) schema = schema.max(max, message);
  return schema;
}

function num(min: number, max: number) {
  const message = `expected a number from ${min} to ${max}`;
  return z.number({ invalid_type_error: message, required_error: 'is required' }).min(min, message).max(max, message);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const message = `expected one of ${values.join('|')}`;
  return z.enum(values, { errorMap: () => ({ message }) });
}

function text() {
  const message = 'expected a non-empty string';
  return z.string({ invalid_type_error: message, required_error: 'is required' }).trim().min(1, message);
}

function bool() {
  return z.boolean({ invalid_type_error: 'expected true or false', required_error: 'is required' });
}

function httpUrl() {
  const message = 'expected an http:// or https:// URL';
  return text().refine((s) => /^https?:\/\/[^\s/]+/.test(s), message);
}

const port = int(1, 65535);

const rate = z.union(
  AUDIO_RATES.map((r) => z.literal(r)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>, ...z.ZodLiteral<number>[]],
  { errorMap: () => ({ message: `expected one of ${AUDIO_RATES.join('|')}` }) },
);

const scripted = z
  .object({
    /** The script YAML (engine/providers/script.ts); relative paths are relative to the config file. */
    script: text().optional(),
  })
  .strict();

const deepgram = z
  .object({
    listen_model: text().default('nova-3'),
    think_provider: text().default('open_ai'),
    think_model: text().default('gpt-4o-mini'),
    speak_model: text().default('aura-2-thalia-en'),
    greeting: z.string({ invalid_type_error: 'expected a string' }).default('Hello! How can I help you today?'),
    instructions: text().default('You are a helpful telephone assistant. Keep your answers short.'),
    /** Provider to switch to when Deepgram cannot be reached or fails mid-call. */
    fallback_provider: oneOf(PROVIDERS)
      .refine((p) => p !== 'deepgram', 'cannot fall back to itself')
      .optional(),
    /** What the fallback says first, e.g. "Sorry, one moment." */
    apology_prompt: text().optional(),
    /** KeepAlive period while no audio is sent (Deepgram closes idle sockets). */
    keepalive_ms: int(1000, 60_000).default(8000),
    /** Agent API base URL (ws:// or wss://), for a fake server in tests. Default Deepgram's. */
    url: text()
      .refine((s) => /^wss?:\/\/[^\s/]+/.test(s), 'expected a ws:// or wss:// URL')
      .optional(),
  })
  .strict();

export const configSchema = z
  .object({
    audio_transport: oneOf(['audiosocket', 'legacy']).default('audiosocket'),
    downstream_mode: oneOf(['file', 'stream']).default('file'),
    default_provider: oneOf(PROVIDERS).default('scripted'),
    providers: z
      .object({
        scripted: scripted.default({}),
        deepgram: deepgram.default({}),
      })
      .strict()
      .default({}),
    ari: z
      .object({
        url: httpUrl().default('http://127.0.0.1:8088'),
        username: text().default('asterisk'),
        password: text(),
        app: text().default('asterisk-ai-voice-agent'),
        reconnect: z
          .object({
            min_ms: int(10, 600_000).default(500),
            max_ms: int(10, 600_000).default(10_000),
          })
          .strict()
          .default({}),
        /** Ping period of the events WebSocket; a missing pong within it reconnects. 0 disables. */
        ping_interval_ms: int(0, 600_000).default(5000),
        /**
         * ARI requests in flight at once (so connections open): keep it well under Asterisk's
         * http.conf sessionlimit (100 by default, shared with every other HTTP user of the PBX),
         * which closes connections beyond it without an answer. Others wait their turn.
         */
        max_concurrent_requests: int(1, 1000).default(20),
      })
      .strict(),
    audiosocket: z
      .object({
        host: text().default('127.0.0.1'),
        port: port.default(8090),
        bind_timeout_ms: int(100, 60_000).default(2000),
        format: oneOf(['slin16', 'slin']).default('slin16'),
        /** The host Asterisk dials (externalMedia external_host). Default: host. */
        advertise_host: text().optional(),
        max_frame_bytes: int(320, 65535).default(8192),
      })
      .strict()
      .default({}),
    snoop: z
      .object({
        spy: oneOf(['in', 'out', 'both']).default('in'),
        context: text().default('ai-audiosocket'),
        extension: text().default('s'),
      })
      .strict()
      .default({}),
    streaming: z
      .object({
        /** The provider's audio rate; unset: the call's own rate (no conversion). */
        sample_rate_hz: rate.optional(),
        chunk_duration_ms: int(10, 200).default(20),
        jitter_buffer_ms: int(0, 2000).default(60),
        keepalive_ms: int(0, 600_000).default(10_000),
      })
      .strict()
      .default({}),
    timeouts: z
      .object({
        ari_request_ms: int(100, 120_000).default(5000),
        provider_connect_ms: int(100, 120_000).default(5000),
        call_max_ms: int(1000).default(3_600_000),
      })
      .strict()
      .default({}),
    barge_in: z
      .object({
        enabled: bool().default(true),
        min_speech_ms: int(0, 10_000).default(200),
        energy_threshold_dbfs: num(-120, 0).default(-35),
        protect_greeting: bool().default(true),
        protection_window_ms: int(0, 60_000).default(500),
        cooldown_ms: int(0, 60_000).default(500),
        /** Caller audio must be louder than the agent's recent playout minus this (echo guard). */
        echo_margin_db: num(0, 60).default(6),
      })
      .strict()
      .default({}),
    media: z
      .object({
        dir: text().default('/mnt/asterisk_media/ai-generated'),
        sound_prefix: text().default('ai-generated'),
        /** First file of a response: short, so the caller hears the agent early. */
        first_segment_ms: int(20, 30_000).default(200),
        /** Later files of a response. */
        segment_ms: int(100, 60_000).default(2000),
        /** Played (sound: URI without extension) when no provider is left, before hanging up. */
        apology_media: text()
          .refine((s) => !/\.[A-Za-z0-9]{2,5}$/.test(s.replace(/^sound:/, '')), 'must not carry a file extension (Asterisk fails sound:x.wav)')
          .optional(),
      })
      .strict()
      .default({}),
    http: z
      .object({
        host: text().default('127.0.0.1'),
        port: port.default(8091),
      })
      .strict()
      .default({}),
    limits: z
      .object({
        /** Calls taken at once; 0 = no limit. Past it a new caller is refused (`overflow`). */
        max_calls: int(0, 100_000).default(0),
        /** A refused caller: hung up with cause 34 (congestion), or sent back to the dialplan. */
        overflow: oneOf(['hangup', 'continue'] as const).default('hangup'),
      })
      .strict()
      .default({}),
    drain_timeout_ms: int(0, 3_600_000).default(30_000),
    log_level: oneOf(LOG_LEVELS).default('info'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.ari.reconnect.min_ms > cfg.ari.reconnect.max_ms) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ari', 'reconnect', 'min_ms'],
        message: `must not exceed ari.reconnect.max_ms (${cfg.ari.reconnect.max_ms})`,
      });
    }
    const wildcard = ['0.0.0.0', '::', '[::]'].includes(cfg.audiosocket.host);
    if (wildcard && cfg.audiosocket.advertise_host === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['audiosocket', 'advertise_host'],
        message: `is required when audiosocket.host is the wildcard ${cfg.audiosocket.host}: Asterisk cannot dial it`,
      });
    }
  });

/** The YAML as validated, before env-only values are added. */
export type FileConfig = z.output<typeof configSchema>;
