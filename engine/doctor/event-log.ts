/**
 * The doctor's view of its events WebSocket: every event is kept, so a wait started after the
 * event arrived still sees it (StasisStart often comes before the originate's HTTP answer).
 */
import type { AriEvent } from '../ari/models.js';

interface EventSource {
  on(event: 'event', listener: (ev: AriEvent) => void): unknown;
  off(event: 'event', listener: (ev: AriEvent) => void): unknown;
}

type Match = (ev: AriEvent) => boolean;

interface Waiter {
  match: Match;
  resolve(ev: AriEvent | undefined): void;
}

/** Enough for a doctor run (a few dozen events); older ones are dropped first. */
const MAX_KEPT = 2000;

export class EventLog {
  private readonly seen: AriEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly listener = (ev: AriEvent) => this.push(ev);

  constructor(private readonly source?: EventSource) {
    source?.on('event', this.listener);
  }

  push(ev: AriEvent): void {
    this.seen.push(ev);
    if (this.seen.length > MAX_KEPT) this.seen.shift();
    for (const w of [...this.waiters]) {
      if (w.match(ev)) {
        this.waiters.delete(w);
        w.resolve(ev);
      }
    }
  }

  /** The first event, already seen or still to come, that matches; undefined after timeoutMs. */
  waitFor(match: Match, timeoutMs: number): Promise<AriEvent | undefined> {
    const found = this.seen.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match,
        resolve: (ev) => {
          clearTimeout(timer);
          resolve(ev);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Stops listening; pending waits resolve undefined. */
  close(): void {
    this.source?.off('event', this.listener);
    for (const w of this.waiters) w.resolve(undefined);
    this.waiters.clear();
  }
}

/** Matchers for the events the doctor waits for. */
export const on = {
  stasisStart: (channelId: string): Match => (ev) => ev.type === 'StasisStart' && ev.channel.id === channelId,
  channelDestroyed: (channelId: string): Match => (ev) => ev.type === 'ChannelDestroyed' && ev.channel.id === channelId,
  playbackFinished: (playbackId: string): Match => (ev) => ev.type === 'PlaybackFinished' && ev.playback.id === playbackId,
  either:
    (...matches: Match[]): Match =>
    (ev) =>
      matches.some((m) => m(ev)),
};
