/** The fake Deepgram Voice Agent service: see fake-agent.ts. */
export { AGENT_PATH, startFakeDeepgramAgent, type FakeDeepgramAgent, type FakeDeepgramAgentOptions } from './fake-agent.js';
export { DEFAULT_TRANSCRIPT, type FakeAgentBehaviour, type FakeAgentSessionRecord, type FakeAgentTurnRecord } from './fake-agent-session.js';
export { EnergyTurnDetector, levelDbfs, type TurnEvent } from './energy-turn-detector.js';
export { toneLinear16 } from './tone.js';
export { fixtureAgentAudio } from './fixture-audio.js';
export { validateSettings, type AcceptedSettings, type SettingsVerdict } from './settings-validation.js';
