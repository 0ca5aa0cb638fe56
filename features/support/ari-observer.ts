/**
 * Everything the PBX reports during a scenario, as a bystander sees it: an events WebSocket of an
 * app of its own with `subscribeAll=true` (the traces' "firehose"). It never takes part in a
 * call, so it sees the same on the simulator and on Asterisk; StasisStart/StasisEnd only ever go
 * to the app concerned, so they are not here.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface ObservedEvent {
  /** performance.now() when it arrived. */
  receivedAt: number;
  type: string;
  [key: string]: unknown;
}

export class AriObserver {
  readonly events: ObservedEvent[] = [];
  private readonly ws: WebSocket;
  private readonly listeners = new Set<(ev: ObservedEvent) => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      const ev = { ...parsed, type: String(parsed.type), receivedAt: performance.now() } as ObservedEvent;
      this.events.push(ev);
      for (const l of this.listeners) l(ev);
    });
  }

  /** `url` is the PBX's HTTP base (http://host:port). */
  static connect(url: string, username: string, password: string, app: string): Promise<AriObserver> {
    const base = url.replace(/\/+$/, '').replace(/\/ari$/, '').replace(/^http/, 'ws');
    const q = new URLSearchParams({ app, subscribeAll: 'true', api_key: `${username}:${password}` });
    const ws = new WebSocket(`${base}/ari/events?${q}`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new AriObserver(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`ARI events: HTTP ${res.statusCode}`)));
    });
  }

  onEvent(listener: (ev: ObservedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first event (seen or to come) satisfying `pred`. */
  waitFor(pred: (ev: ObservedEvent) => boolean, timeoutMs: number, what: string): Promise<ObservedEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ARI event ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onEvent((ev) => {
        if (!pred(ev)) return;
        clearTimeout(timer);
        off();
        resolve(ev);
      });
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
      setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }
}

/** One event as a short text for failure messages. */
export function describeEvent(ev: ObservedEvent): string {
  const parts = [ev.type];
  const ch = ev.channel as { id?: string; name?: string } | undefined;
  const pb = ev.playback as { id?: string; media_uri?: string; state?: string } | undefined;
  const br = ev.bridge as { id?: string } | undefined;
  if (ch?.id) parts.push(`channel=${ch.id} (${ch.name ?? ''})`);
  if (pb?.id) parts.push(`playback=${pb.id} media=${pb.media_uri ?? ''} state=${pb.state ?? ''}`);
  if (br?.id) parts.push(`bridge=${br.id}`);
  return parts.join(' ');
}
