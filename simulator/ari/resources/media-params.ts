/**
 * The parameters of a media playback, shared by /channels/{id}/play and /bridges/{id}/play.
 */
import type { PlayParams } from '../../core/api.js';
import type { Params } from '../params.js';
import { query, type ParamSpec } from '../spec.js';

export const playParams: ParamSpec[] = [
  query('media', 'string', 'Media URIs to play (comma-separated or repeated).', { required: true, allowMultiple: true }),
  query('lang', 'string', 'For sounds, selects language for sound.'),
  query('offsetms', 'int', 'Milliseconds to skip before playing; applies to the first URI only.'),
  query('skipms', 'int', 'Milliseconds to skip for forward/reverse operations.', { defaultValue: 3000 }),
];

export function playFrom(params: Params, playbackId: string | undefined): PlayParams {
  return {
    media: params.list('media'),
    lang: params.nonEmpty('lang'),
    offsetms: params.int('offsetms'),
    skipms: params.int('skipms'),
    playbackId,
  };
}
