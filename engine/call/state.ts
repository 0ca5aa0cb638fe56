/**
 * The call's lifecycle as a string union with typed transition events (agents-js AgentState
 * style). Pure: the session feeds events in and acts on the state that comes out, so every path
 * (including the odd ones: hangup while binding, bind after fallback began) is tested without
 * sockets.
 *
 *   answering ──answered──▶ binding ──bound──▶ talking
 *                              │ bind_timeout / leg_failed
 *                              ▼
 *                          fallback ──bound──▶ talking
 *   any state ──hangup / failed / drain──▶ ending ──cleaned──▶ ended
 */

export type CallState = 'answering' | 'binding' | 'fallback' | 'talking' | 'ending' | 'ended';

export type CallEvent =
  | { type: 'answered' }
  | { type: 'bound'; transport: 'audiosocket' | 'legacy' }
  | { type: 'bind_timeout' }
  /** The externalMedia leg could not connect (hung up by Asterisk, e.g. connection refused). */
  | { type: 'leg_failed'; reason: string }
  | { type: 'hangup'; reason: string }
  | { type: 'failed'; reason: string }
  | { type: 'cleaned' };

export interface Transition {
  from: CallState;
  to: CallState;
  /** What the session must do on this transition. */
  action: 'none' | 'start_binding' | 'start_fallback' | 'start_conversation' | 'teardown' | 'finish';
}

export function transition(state: CallState, event: CallEvent, transport: 'audiosocket' | 'legacy'): Transition {
  const to = (next: CallState, action: Transition['action']): Transition => ({ from: state, to: next, action });
  const stay = to(state, 'none');

  if (state === 'ended') return stay;
  if (event.type === 'cleaned') return state === 'ending' ? to('ended', 'finish') : stay;
  if (event.type === 'hangup' || event.type === 'failed') return state === 'ending' ? stay : to('ending', 'teardown');
  if (state === 'ending') return stay;

  switch (event.type) {
    case 'answered':
      if (state !== 'answering') return stay;
      return transport === 'legacy' ? to('fallback', 'start_fallback') : to('binding', 'start_binding');
    case 'bound':
      return state === 'binding' || state === 'fallback' ? to('talking', 'start_conversation') : stay;
    case 'bind_timeout':
    case 'leg_failed':
      // Only the AudioSocket-first attempt falls back; a failed fallback ends the call.
      if (state === 'binding') return to('fallback', 'start_fallback');
      if (state === 'fallback') return to('ending', 'teardown');
      return stay;
  }
}
