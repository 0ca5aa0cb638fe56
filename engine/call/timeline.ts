/**
 * What happened on a call and when, on the engine's monotonic clock, relative to StasisStart.
 * Printed at hangup (the per-call log line), exposed to the demo and the acceptance reports.
 */

export interface TurnTiming {
  /** End of caller speech → first agent audio heard. */
  responseMs: number;
  /** End of caller speech → first agent audio received from the provider. */
  providerMs: number;
  /** First audio received → first audio heard: what the engine itself adds. */
  engineMs: number;
}

export interface TimelineMark {
  at: number;
  what: string;
  data?: Record<string, unknown>;
}

export class CallTimeline {
  private readonly now: () => number;
  private readonly t0: number;
  readonly marks: TimelineMark[] = [];
  readonly turns: TurnTiming[] = [];

  constructor(now: () => number) {
    this.now = now;
    this.t0 = now();
  }

  mark(what: string, data?: Record<string, unknown>): void {
    this.marks.push({ at: this.now(), what, ...(data ? { data } : {}) });
  }

  turn(t: TurnTiming): void {
    this.turns.push(t);
  }

  lastMark(what: string): TimelineMark | undefined {
    for (let i = this.marks.length - 1; i >= 0; i--) if (this.marks[i].what === what) return this.marks[i];
    return undefined;
  }

  /** Marks with times in ms since the call began, rounded for reading. */
  relative(): TimelineMark[] {
    return this.marks.map((m) => ({ ...m, at: Math.round((m.at - this.t0) * 10) / 10 }));
  }

  summary() {
    const bound = this.lastMark('bound');
    const greeting = this.marks.find((m) => m.what === 'agent_audio_start');
    const answered = this.lastMark('answered');
    return {
      durationMs: Math.round(this.now() - this.t0),
      transport: (bound?.data?.transport as string | undefined) ?? null,
      fallback: this.marks.some((m) => m.what === 'fallback'),
      bindMs: (bound?.data?.bindMs as number | undefined) ?? null,
      greetingMs: greeting && answered ? Math.round(greeting.at - answered.at) : null,
      turns: this.turns.map((t) => ({ responseMs: Math.round(t.responseMs), providerMs: Math.round(t.providerMs), engineMs: Math.round(t.engineMs) })),
      bargeIns: this.marks.filter((m) => m.what === 'barge_in').map((m) => m.data?.latencyMs as number),
      playbackFailures: this.marks.filter((m) => m.what === 'playback_failed').length,
    };
  }
}
