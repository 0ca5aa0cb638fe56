/**
 * Decides when the caller is talking over the agent, frame by frame. Pure: the session feeds it
 * the caller's 20 ms frames (level and VAD verdict) and what the agent is playing.
 *
 * False triggers on the agent's own voice coming back (acoustic or line echo) are the classic
 * failure here, so a frame only counts as caller speech when it is voiced, above the energy
 * floor, and louder than the agent's recent playout minus an echo margin (a Geigel double-talk
 * test: echo returns attenuated by the echo return loss, typically 6 dB or more; a person
 * talking over the agent is not).
 */

export interface BargeInSettings {
  enabled: boolean;
  /** Continuous qualifying speech needed before the agent is cut off. */
  minSpeechMs: number;
  /** Frames quieter than this never count, whatever the VAD says. */
  energyThresholdDbfs: number;
  /** The greeting cannot be interrupted. */
  protectGreeting: boolean;
  /** No barge-in during the first part of every response (the caller's own tail, echo onset). */
  protectionWindowMs: number;
  /** After a barge-in, ignore speech for this long before cutting the next response. */
  cooldownMs: number;
  /** Caller level must exceed the agent's recent playout level minus this margin. */
  echoMarginDb: number;
  /** How far back the agent's playout level is remembered (the echo path's delay). */
  echoWindowMs: number;
}

export const DEFAULT_BARGE_IN: BargeInSettings = {
  enabled: true,
  minSpeechMs: 200,
  energyThresholdDbfs: -40,
  protectGreeting: false,
  protectionWindowMs: 300,
  cooldownMs: 1000,
  echoMarginDb: 6,
  echoWindowMs: 400,
};

export interface BargeIn {
  /** When the qualifying speech began (for the cancel-latency measurement). */
  onsetMs: number;
  atMs: number;
}

/**
 * A caller frame's level (dBFS), or how to measure it: a pass over the frame, which isEcho() and
 * callerFrame() take only when the answer depends on it (agent heard lately; a voiced frame while
 * the agent speaks), so most frames of a call are never measured.
 */
export type CallerLevel = number | (() => number);

function levelOf(level: CallerLevel): number {
  return typeof level === 'number' ? level : level();
}

export class BargeInDetector {
  private readonly s: BargeInSettings;
  private speaking = false;
  private greeting = false;
  private agentSince = 0;
  private lastBargeAt = Number.NEGATIVE_INFINITY;
  private runStart: number | null = null;
  private runMs = 0;
  private agentLevels: Array<{ at: number; dbfs: number }> = [];

  constructor(settings: BargeInSettings) {
    this.s = settings;
  }

  get agentSpeaking(): boolean {
    return this.speaking;
  }

  /** Where the caller's current run of qualifying speech began, if one is under way. */
  get speechOnsetMs(): number | null {
    return this.runStart;
  }

  agentStarted(nowMs: number, opts: { greeting: boolean }): void {
    if (!this.speaking) this.agentSince = nowMs;
    this.speaking = true;
    this.greeting = opts.greeting;
    this.resetRun();
  }

  agentStopped(): void {
    this.speaking = false;
    this.greeting = false;
    this.resetRun();
  }

  /** The level of the agent audio reaching the caller at nowMs. */
  agentLevel(nowMs: number, dbfs: number): void {
    // Silence cannot raise the echo ceiling (a maximum): only audible levels are kept, so a
    // call whose agent is quiet keeps nothing here, frame after frame.
    if (dbfs > Number.NEGATIVE_INFINITY) this.agentLevels.push({ at: nowMs, dbfs });
    const horizon = nowMs - this.s.echoWindowMs;
    while (this.agentLevels.length > 0 && this.agentLevels[0].at < horizon) this.agentLevels.shift();
  }

  /**
   * Whether a caller frame is most likely the agent's own voice coming back: the agent was heard
   * within the echo window and the frame is no louder than its playout minus the echo margin.
   * Such frames are kept from the provider and the VAD (an echo suppressor), so neither takes the
   * agent's own words for the caller's.
   */
  isEcho(nowMs: number, dbfs: CallerLevel): boolean {
    const ceiling = this.echoCeiling(nowMs);
    return ceiling > Number.NEGATIVE_INFINITY && levelOf(dbfs) <= ceiling;
  }

  /** One caller frame starting at nowMs; returns a barge-in when the caller took the turn. */
  callerFrame(nowMs: number, frameMs: number, dbfs: CallerLevel, voiced: boolean): BargeIn | null {
    if (!this.s.enabled || !this.speaking) return null;
    if (this.greeting && this.s.protectGreeting) return null;
    if (nowMs < this.agentSince + this.s.protectionWindowMs) return this.resetRun();
    if (nowMs < this.lastBargeAt + this.s.cooldownMs) return this.resetRun();
    if (!voiced) return this.resetRun();
    const level = levelOf(dbfs);
    if (level < this.s.energyThresholdDbfs || level <= this.echoCeiling(nowMs)) return this.resetRun();

    if (this.runStart === null) this.runStart = nowMs;
    this.runMs += frameMs;
    if (this.runMs < this.s.minSpeechMs) return null;

    const onsetMs = this.runStart;
    this.lastBargeAt = nowMs;
    this.agentStopped();
    return { onsetMs, atMs: nowMs + frameMs };
  }

  private echoCeiling(nowMs: number): number {
    let max = Number.NEGATIVE_INFINITY;
    const horizon = nowMs - this.s.echoWindowMs;
    for (const l of this.agentLevels) if (l.at >= horizon && l.dbfs > max) max = l.dbfs;
    return max - this.s.echoMarginDb;
  }

  private resetRun(): null {
    this.runStart = null;
    this.runMs = 0;
    return null;
  }
}
