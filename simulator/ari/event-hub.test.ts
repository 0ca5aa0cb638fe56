import { describe, expect, it } from 'vitest';
import type { PbxEvent } from '../../engine/ari/models.js';
import { EventHub, type EventSubscriber } from './event-hub.js';
import { fakeChannel, FakePbx } from './test-support/fake-pbx.js';

class Inbox implements EventSubscriber {
  readonly messages: Record<string, unknown>[] = [];
  send(json: string): void {
    this.messages.push(JSON.parse(json) as Record<string, unknown>);
  }
  types(): string[] {
    return this.messages.map((m) => `${String(m.type)}@${String(m.application)}`);
  }
}

const base = { timestamp: '2026-11-26T07:41:42.570+0000', asterisk_id: '02:fc:00:00:00:99' };
const stasisStart: PbxEvent = { ...base, type: 'StasisStart', args: [], channel: fakeChannel('c1') };
const varset: PbxEvent = { ...base, type: 'ChannelVarset', variable: 'X', value: '1', channel: fakeChannel('c1') };

function setup() {
  const pbx = new FakePbx();
  return { pbx, hub: new EventHub(pbx) };
}

describe('EventHub', () => {
  it('delivers an event only to sockets whose app it is routed to, stamped with that app', () => {
    const { hub } = setup();
    const ai = new Inbox();
    const caller = new Inbox();
    hub.attach(ai, ['ai'], false);
    hub.attach(caller, ['caller'], false);
    hub.deliver(varset, { apps: new Set(['ai']) });
    expect(ai.types()).toEqual(['ChannelVarset@ai']);
    expect(caller.messages).toEqual([]);
    expect(ai.messages[0]).toMatchObject({ variable: 'X', asterisk_id: base.asterisk_id });
  });

  it('sends one copy per owned app on a multi-app socket', () => {
    const { hub } = setup();
    const both = new Inbox();
    hub.attach(both, ['a', 'b'], false);
    hub.deliver(varset, { apps: new Set(['a', 'b', 'c']) });
    expect(both.types()).toEqual(['ChannelVarset@a', 'ChannelVarset@b']);
  });

  it('gives subscribeAll sockets every event except StasisStart/StasisEnd of other apps', () => {
    const { hub } = setup();
    const firehose = new Inbox();
    hub.attach(firehose, ['firehose'], true);
    hub.deliver(varset, { apps: new Set(['ai']) });
    hub.deliver(stasisStart, { apps: new Set(['ai']) });
    hub.deliver(stasisStart, { apps: new Set(['firehose']) });
    expect(firehose.types()).toEqual(['ChannelVarset@firehose', 'StasisStart@firehose']);
  });

  it('registers an app with the model on its first socket and unregisters it on the last', () => {
    const { pbx, hub } = setup();
    const one = new Inbox();
    hub.attach(one, ['ai'], false);
    expect(pbx.registeredApps.has('ai')).toBe(true);
    hub.detach(one);
    expect(pbx.registeredApps.has('ai')).toBe(false);
    expect(pbx.callsTo('registerApp')).toEqual([['ai']]);
    expect(pbx.callsTo('unregisterApp')).toEqual([['ai']]);
  });

  it('lets a second socket replace the first: ApplicationReplaced, then silence for the old one', () => {
    const { pbx, hub } = setup();
    const first = new Inbox();
    const second = new Inbox();
    hub.attach(first, ['ai'], false);
    hub.attach(second, ['ai'], false);
    expect(first.types()).toEqual(['ApplicationReplaced@ai']);
    hub.deliver(varset, { apps: new Set(['ai']) });
    expect(first.messages).toHaveLength(1);
    expect(second.types()).toEqual(['ChannelVarset@ai']);
    // Closing the replaced socket must not unregister the app its successor owns.
    hub.detach(first);
    expect(pbx.registeredApps.has('ai')).toBe(true);
    expect(pbx.callsTo('registerApp')).toEqual([['ai']]);
    expect(hub.connectedApps()).toEqual(['ai']);
  });

  it('finds the subscribers of given apps, or all of them', () => {
    const { hub } = setup();
    const a = new Inbox();
    const b = new Inbox();
    hub.attach(a, ['a'], false);
    hub.attach(b, ['b'], false);
    expect(hub.subscribersFor(['b'])).toEqual([b]);
    expect(hub.subscribersFor([])).toEqual([a, b]);
  });
});
