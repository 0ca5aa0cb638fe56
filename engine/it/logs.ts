/**
 * The engine's log lines, for tests to check: captured whole (LogCapture), or only counted
 * (LogCounter) when there are too many to keep.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { eventually } from './wait.js';

/** One pino line, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export const WARN = 40;

/** Captures pino output into an array through a destination stream. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  /** Each line's text as pino wrote it: parsing keeps only the last of two equal keys. */
  private readonly raw = new WeakMap<LogLine, string>();
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() === '') continue;
        try {
          const line = JSON.parse(text) as LogLine;
          this.raw.set(line, text);
          this.lines.push(line);
        } catch {
          // pino writes one JSON object a line; anything else is not ours to check.
        }
      }
      done();
    },
  });

  logger(level = 'debug'): Logger {
    return pino({ level }, this.stream);
  }

  /** How many times `"key":` appears in the line as written (1 when pino wrote the key once). */
  keyCount(line: LogLine, key: string): number {
    return (this.raw.get(line) ?? '').split(`"${key}":`).length - 1;
  }

  find(msg: string | RegExp, where: (l: LogLine) => boolean = () => true): LogLine[] {
    return this.lines.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)) && where(l));
  }

  /** The lines as compact text (ARI request lines left out), to print when a test fails. */
  dump(): string {
    const t0 = this.lines.length > 0 ? (this.lines[0].time as number) : 0;
    return this.lines
      .filter((l) => !/^ARI request/.test(l.msg))
      .map((l) => {
        const { level, time, msg, pid: _p, hostname: _h, ...rest } = l;
        return `${String((time as number) - t0).padStart(6)} ${level} ${msg} ${JSON.stringify(rest).slice(0, 300)}`;
      })
      .join('\n');
  }

  async waitFor(msg: string | RegExp, where: (l: LogLine) => boolean = () => true, timeoutMs = 5000): Promise<LogLine> {
    let hit: LogLine | undefined;
    await eventually(() => (hit = this.find(msg, where)[0]) !== undefined, timeoutMs, `log line ${String(msg)}`);
    return hit!;
  }
}

/**
 * Counts pino lines by message and by `code` without keeping them: for runs that log hundreds of
 * thousands of lines (the fuzz test), where keeping them would be the memory growth measured.
 */
export class LogCounter {
  readonly byMsg = new Map<string, number>();
  readonly byCode = new Map<string, number>();
  /** The first lines at error level or above, kept for the failure message. */
  readonly errors: LogLine[] = [];
  /** Lines with these messages are kept (rare ones the test needs to read). */
  readonly kept: LogLine[] = [];
  private readonly keep: Set<string>;
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() === '') continue;
        const l = JSON.parse(text) as LogLine;
        this.byMsg.set(l.msg, (this.byMsg.get(l.msg) ?? 0) + 1);
        if (typeof l.code === 'string') this.byCode.set(l.code, (this.byCode.get(l.code) ?? 0) + 1);
        if (l.level >= 50 && this.errors.length < 1000) this.errors.push(l);
        if (this.keep.has(l.msg)) this.kept.push(l);
      }
      done();
    },
  });

  constructor(keep: string[] = ['bound to channel']) {
    this.keep = new Set(keep);
  }

  logger(level = 'info'): Logger {
    return pino({ level }, this.stream);
  }

  count(msg: string): number {
    return this.byMsg.get(msg) ?? 0;
  }
}
