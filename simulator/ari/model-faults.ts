/**
 * What the control API needs from the PBX model to inject faults below the ARI layer. The
 * model's own fault interface (SimFaults in simulator/core/api.ts) is adapted to this in one
 * place, so control routes do not depend on the model's method names.
 */
export interface ModelFaults {
  /** While on, AudioSocket connects fail as when nothing listens (trace s13: "Connection refused"). */
  refuseAudioSocket(enabled: boolean): void;
  /** Each AudioSocket TCP connect waits this long first; 0 turns it off. */
  delayAudioSocketConnect(ms: number): void;
  /** Closes the channel's AudioSocket TCP connection from the PBX side. */
  dropAudioSocket(channelId: string): void;
  /** Hangs the channel up after `ms` (as its far end would). */
  hangupAfter(channelId: string, ms: number): void;
  clear(): void;
  state(): unknown;
}
