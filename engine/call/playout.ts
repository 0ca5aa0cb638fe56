/**
 * What the caller is hearing from the agent, on the call's clock: the audio scheduled to play
 * from a given time. The barge-in echo guard asks it how loud the agent is right now; the
 * session asks it whether the agent is still talking. Pure.
 */
import { dbfs } from '../audio/pcm.js';

interface Scheduled {
  startMs: number;
  endMs: number;
  /** dBFS of each 20 ms frame. */
  levels: Float32Array;
}

const FRAME_MS = 20;

export class AgentPlayout {
  private items: Scheduled[] = [];

  /** Audio that starts playing at startMs. */
  schedule(startMs: number, pcm: Buffer, sampleRate: number): void {
    const frameBytes = (sampleRate * FRAME_MS * 2) / 1000;
    const n = Math.ceil(pcm.length / frameBytes);
    const levels = new Float32Array(n);
    for (let i = 0; i < n; i++) levels[i] = dbfs(pcm.subarray(i * frameBytes, (i + 1) * frameBytes));
    const durationMs = (pcm.length / 2 / sampleRate) * 1000;
    this.items.push({ startMs, endMs: startMs + durationMs, levels });
  }

  /** The agent's level at a moment (-Infinity when it is silent). */
  levelAt(ms: number): number {
    for (const it of this.items) {
      if (ms >= it.startMs && ms < it.endMs) return it.levels[Math.floor((ms - it.startMs) / FRAME_MS)] ?? -Infinity;
    }
    return -Infinity;
  }

  /** When the last scheduled audio ends (or -Infinity). */
  get endMs(): number {
    let end = -Infinity;
    for (const it of this.items) end = Math.max(end, it.endMs);
    return end;
  }

  /** Forgets audio that finished before a moment, so a long call stays small. */
  prune(beforeMs: number): void {
    this.items = this.items.filter((it) => it.endMs >= beforeMs);
  }

  /** Barge-in: whatever was scheduled will not be heard. */
  clear(): void {
    this.items = [];
  }
}
