import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AriEvent } from '../ari/models.js';
import { EventLog, on } from './event-log.js';

function playbackFinished(id: string, state: 'done' | 'failed'): AriEvent {
  return {
    type: 'PlaybackFinished',
    timestamp: '',
    asterisk_id: '',
    application: 'a',
    playback: { id, media_uri: 'sound:x', target_uri: 'channel:c', language: 'en', state },
  };
}

describe('EventLog', () => {
  it('sees an event that arrived before the wait started', async () => {
    const source = new EventEmitter();
    const log = new EventLog(source as never);
    source.emit('event', playbackFinished('p1', 'done'));
    const ev = await log.waitFor(on.playbackFinished('p1'), 10);
    expect(ev?.type === 'PlaybackFinished' && ev.playback.state).toBe('done');
  });

  it('resolves a wait when a matching event comes later, ignoring others', async () => {
    const log = new EventLog();
    const waiting = log.waitFor(on.playbackFinished('p2'), 5000);
    log.push(playbackFinished('other', 'done'));
    log.push(playbackFinished('p2', 'failed'));
    const ev = await waiting;
    expect(ev?.type === 'PlaybackFinished' && ev.playback).toMatchObject({ id: 'p2', state: 'failed' });
  });

  it('gives undefined after the timeout, and on close', async () => {
    const log = new EventLog();
    expect(await log.waitFor(on.playbackFinished('never'), 20)).toBeUndefined();
    const pending = log.waitFor(on.playbackFinished('never'), 5000);
    log.close();
    expect(await pending).toBeUndefined();
  });
});
