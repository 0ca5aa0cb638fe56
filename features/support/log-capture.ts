/**
 * The engine's log lines, kept for assertions (`the engine logged ...`) and written to the
 * scenario's report folder. Works for an engine in this process (a pino destination) and for one
 * in a child process (its stdout, line by line): both produce the same JSON lines.
 */
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';

export interface LogLine {
  /** performance.now() when the line arrived here. */
  receivedAt: number;
  /** pino's numeric level turned into its name (info, warn, error, ...). */
  level: string;
  msg: string;
  [key: string]: unknown;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

type Listener = (line: LogLine) => void;

export class LogCapture {
  readonly lines: LogLine[] = [];
  private readonly listeners = new Set<Listener>();
  private partial = '';
  /** Where every raw line is appended as well (the scenario's engine.log), once set. */
  file: string | undefined;

  /** A logger for an engine in this process. Writes are synchronous, so waiters see lines at once. */
  logger(level = 'debug'): Logger {
    return pino({ level, base: { pid: process.pid } }, { write: (s: string) => this.push(s) });
  }

  /** Feed raw output (a child's stdout): may hold several lines or half of one. */
  push(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) this.addLine(raw);
  }

  private addLine(raw: string): void {
    if (raw.trim() === '') return;
    if (this.file) appendFileSync(this.file, `${raw}\n`);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      parsed = { level: 30, msg: raw };
    }
    const level = typeof parsed.level === 'number' ? (LEVEL_NAMES[parsed.level] ?? String(parsed.level)) : String(parsed.level ?? 'info');
    const line: LogLine = { ...parsed, receivedAt: performance.now(), level, msg: String(parsed.msg ?? '') };
    this.lines.push(line);
    for (const l of this.listeners) l(line);
  }

  /** Calls `listener` for every line from now on; returns the unsubscribe function. */
  onLine(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first line (already seen or still to come) that satisfies `pred`. */
  waitFor(pred: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no engine log line ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onLine((l) => {
        if (!pred(l)) return;
        clearTimeout(timer);
        off();
        resolve(l);
      });
    });
  }
}

/** One line as a short text for failure messages. */
export function describeLine(l: LogLine): string {
  const { receivedAt: _r, level, msg, time: _t, pid: _p, hostname: _h, name: _n, ...rest } = l;
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return `[${level}] ${msg}${extra ? ` ${extra}` : ''}`.slice(0, 300);
}
