import { describe, expect, it } from 'vitest';
import { transition, type CallEvent, type CallState } from './state.js';

function run(events: CallEvent[], transport: 'audiosocket' | 'legacy' = 'audiosocket') {
  let state: CallState = 'answering';
  const actions: string[] = [];
  for (const e of events) {
    const t = transition(state, e, transport);
    state = t.to;
    if (t.action !== 'none') actions.push(t.action);
  }
  return { state, actions };
}

describe('call state machine', () => {
  it('AudioSocket first: answer, bind, talk, hang up, clean', () => {
    expect(run([{ type: 'answered' }, { type: 'bound', transport: 'audiosocket' }, { type: 'hangup', reason: 'caller' }, { type: 'cleaned' }])).toEqual({
      state: 'ended',
      actions: ['start_binding', 'start_conversation', 'teardown', 'finish'],
    });
  });

  it('falls back to a snoop when no connection binds in time, or the leg fails', () => {
    expect(run([{ type: 'answered' }, { type: 'bind_timeout' }]).actions).toEqual(['start_binding', 'start_fallback']);
    expect(run([{ type: 'answered' }, { type: 'leg_failed', reason: 'refused' }, { type: 'bound', transport: 'legacy' }])).toEqual({
      state: 'talking',
      actions: ['start_binding', 'start_fallback', 'start_conversation'],
    });
  });

  it('legacy transport snoops from the start', () => {
    expect(run([{ type: 'answered' }], 'legacy')).toEqual({ state: 'fallback', actions: ['start_fallback'] });
  });

  it('a failed fallback ends the call instead of looping', () => {
    expect(run([{ type: 'answered' }, { type: 'bind_timeout' }, { type: 'bind_timeout' }])).toEqual({
      state: 'ending',
      actions: ['start_binding', 'start_fallback', 'teardown'],
    });
  });

  for (const at of [[], [{ type: 'answered' }], [{ type: 'answered' }, { type: 'bind_timeout' }], [{ type: 'answered' }, { type: 'bound', transport: 'audiosocket' }]] as CallEvent[][]) {
    it(`hangup after [${at.map((e) => e.type).join(', ')}] tears down exactly once`, () => {
      const { state, actions } = run([...at, { type: 'hangup', reason: 'caller' }, { type: 'failed', reason: 'late' }, { type: 'hangup', reason: 'again' }]);
      expect(state).toBe('ending');
      expect(actions.filter((a) => a === 'teardown')).toHaveLength(1);
    });
  }

  it('ignores a bind that arrives after teardown began, and everything once ended', () => {
    expect(run([{ type: 'answered' }, { type: 'hangup', reason: 'caller' }, { type: 'bound', transport: 'audiosocket' }]).state).toBe('ending');
    expect(run([{ type: 'hangup', reason: 'x' }, { type: 'cleaned' }, { type: 'answered' }, { type: 'cleaned' }]).actions).toEqual(['teardown', 'finish']);
  });

  it('cleaned before ending changes nothing', () => {
    expect(run([{ type: 'answered' }, { type: 'cleaned' }]).state).toBe('binding');
  });
});
