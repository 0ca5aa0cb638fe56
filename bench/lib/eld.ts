/** Event-loop delay as the benchmarks report it. */

/** Sampling period of the event-loop delay histogram. */
export const ELD_RESOLUTION_MS = 10;

/**
 * A histogram value in ms of delay. Node records the whole time between its sampling timer's
 * runs, resolution included (an idle loop shows 10.1 ms at resolution 10), so it is taken off.
 */
export function eldMs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS) : 0;
}
