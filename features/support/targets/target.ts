/**
 * Where the calls run (E2E_TARGET): the simulator in this process (`sim`, the default and what CI
 * runs), an Asterisk that is already running (`external`), or one this suite builds and starts
 * in Docker (`docker`). The engine always runs here, started by the suite for each scenario; a
 * target only provides the PBX and the folders the two share.
 */
import type { Simulator } from '../../../simulator/main.js';

export type TargetName = 'sim' | 'external' | 'docker';

/** The PBX as one scenario sees it. */
export interface ScenarioPbx {
  /** The PBX's HTTP base, http://host:port (ARI under /ari). */
  url: string;
  username: string;
  password: string;
  /** Set when the PBX is the simulator: its fault injection is available (@sim-only). */
  sim?: Simulator;
  /** Where the engine writes agent audio; the PBX plays it as sound:<mediaSoundPrefix>/<name>. */
  mediaDir: string;
  mediaSoundPrefix: string;
  /** The sound: URI of a staged caller fixture (fixtures.ts), e.g. sound:e2e/caller-hello-16k. */
  fixtureUri(name: string): string;
  /** Where the engine's AudioSocket server listens, and the host the PBX dials for it. */
  audiosocket: { bindHost: string; advertiseHost: string };
  /** Ends the scenario's use of the PBX (the simulator is closed; a shared PBX stays up). */
  close(): Promise<void>;
}

export interface Target {
  readonly name: TargetName;
  /** Once, before the first scenario (BeforeAll). */
  setUp(): Promise<void>;
  /** Once, after the last scenario (AfterAll). */
  tearDown(): Promise<void>;
  openScenario(): Promise<ScenarioPbx>;
}
