/**
 * What marks the channels, bridges and media files an engine creates as its own, so that its
 * start-up sweep clears what a crashed run left and nothing else.
 *
 * Every engine's ids start with OWN_PREFIX (how an engine recognises its own channels entering
 * Stasis). After it comes a tag made from the engine's Stasis app (`ari.app`): engines sharing one
 * Asterisk must have different apps (Asterisk sends an app's events to one WebSocket), so the
 * tag tells their leftovers apart, and one engine's restart leaves another's live calls alone.
 */
import { createHash } from 'node:crypto';

export const OWN_PREFIX = 'aiav-';

const tags = new Map<string, string>();

/** Six hex digits of the app name's SHA-256: short enough for ids and file names, stable across runs. */
export function ownerTag(app: string): string {
  let tag = tags.get(app);
  if (tag === undefined) {
    tag = createHash('sha256').update(app).digest('hex').slice(0, 6);
    tags.set(app, tag);
  }
  return tag;
}

/** The start of every id the engine of `app` gives a channel, bridge or playback: `aiav-<tag>-`. */
export function ownPrefix(app: string): string {
  return `${OWN_PREFIX}${ownerTag(app)}-`;
}
