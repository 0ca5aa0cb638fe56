/**
 * Writing a sound to a channel at the pace of the shared 20 ms ticker: one frame per tick. Used by
 * ARI playbacks, the Playback() app and recording beeps.
 */
import type { Core } from './core.js';
import type { MediaFrame } from './media.js';

/**
 * Plays frames one per tick through `write`; resolves 'done' when they are all out, 'stopped'
 * when `stop` resolves first, 'aborted' when the signal fires.
 */
export function streamFrames(
  core: Core,
  frames: readonly MediaFrame[],
  write: (frame: MediaFrame) => void,
  signal: AbortSignal,
  stop?: Promise<void>,
): Promise<'done' | 'stopped' | 'aborted'> {
  return new Promise((resolve) => {
    let i = 0;
    let settled = false;
    const finish = (how: 'done' | 'stopped' | 'aborted'): void => {
      if (settled) return;
      settled = true;
      cancelTick();
      signal.removeEventListener('abort', onAbort);
      resolve(how);
    };
    const onAbort = (): void => finish('aborted');
    const cancelTick = core.scheduler.everyTick(() => {
      if (i < frames.length) write(frames[i++]);
      else finish('done');
    });
    if (signal.aborted) return finish('aborted');
    signal.addEventListener('abort', onAbort);
    stop?.then(() => finish('stopped'));
  });
}
