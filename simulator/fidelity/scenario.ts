/**
 * The test blocks every single-run fidelity scenario shares: one FidelityRun started before the
 * tests (with the trace harness's three event sockets unless told otherwise) and closed after
 * them, the "receives the trace events in the trace order" comparisons per event source, and the
 * "answers each request before the app events it causes" check. A scenario file keeps only what
 * is specific to its trace: its setup steps and its own measurements.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AI, CALLER, eventsFrom, FIREHOSE, withoutDeviceState, type EventRecord, type SequenceOptions, type Trace } from './harness.js';
import { FidelityRun, type RunOptions } from './sim-run.js';

/** The sockets the trace harness had open: both apps and the subscribeAll firehose. */
export const ALL_SOCKETS: readonly string[] = [AI, CALLER, FIREHOSE];

/**
 * Starts a FidelityRun in `beforeAll` and runs the scenario's `setup` on it (replaying the trace's
 * requests, playing the AudioSocket server's part), closes it in `afterAll`. Returns the run, for
 * the tests (it exists once `beforeAll` has run).
 */
export function useFidelityRun(setup: (run: FidelityRun) => Promise<void>, timeoutMs: number, options: RunOptions = { sockets: ALL_SOCKETS }): () => FidelityRun {
  let run: FidelityRun | undefined;
  beforeAll(async () => {
    run = await FidelityRun.start(options);
    await setup(run);
  }, timeoutMs);
  afterAll(() => run?.close());
  return () => {
    if (!run) throw new Error('the fidelity run has not started');
    return run;
  };
}

/** One "receives the trace events in the trace order" test. */
export interface EventOrderCheck {
  src: string;
  /** Test name, when not the standard one for the source. */
  name?: string;
  /** The trace's events to compare with: by default all of the trace's on `src` (firehose: DeviceStateChanged aside). */
  want?: readonly EventRecord[];
  /** Racy events (compared as a multiset, then checked too) and aliases; a function when they depend on the run. */
  options?: SequenceOptions | (() => SequenceOptions);
  /** Sources that must have received nothing in this run, checked in the same test. */
  silent?: readonly string[];
}

const STANDARD_NAMES: Readonly<Record<string, string>> = {
  [AI]: 'asterisk-ai-voice-agent receives the trace events in the trace order',
  [CALLER]: 'test-caller receives the trace events in the trace order',
  [FIREHOSE]: 'the firehose receives the trace events, DeviceStateChanged aside',
};

/** The trace's events a source is compared with, unless a check says otherwise. */
export function traceEventsOf(trace: Trace, src: string): EventRecord[] {
  return src === FIREHOSE ? withoutDeviceState(trace.firehose) : eventsFrom(trace.records, src);
}

/**
 * One test per check: the run's events on the source, normalised, equal the trace's in order
 * (and as a multiset for the racy ones, when the check names any).
 */
export function itReceivesTraceEvents(trace: Trace, run: () => FidelityRun, checks: readonly EventOrderCheck[]): void {
  for (const check of checks) {
    it(check.name ?? STANDARD_NAMES[check.src], () => {
      const options = typeof check.options === 'function' ? check.options() : check.options;
      const s = run().compare(check.src, check.want ?? traceEventsOf(trace, check.src), options);
      expect(s.got.ordered).toEqual(s.want.ordered);
      if (options?.racy) expect(s.got.racy).toEqual(s.want.racy);
      for (const src of check.silent ?? []) expect(run().events(src)).toEqual([]);
    });
  }
}

/**
 * Every request the trace answered before the app events it caused is answered first by the
 * simulator too. `knownDivergent` lists request paths excused (each use says why).
 */
export function itAnswersBeforeAppEvents(trace: Trace, run: () => FidelityRun, knownDivergent: readonly string[] = []): void {
  it('answers each request before the app events it causes, wherever the trace shows that order', () => {
    expect(run().notAnsweredFirst(trace.records).filter((p) => !knownDivergent.includes(p))).toEqual([]);
  });
}
