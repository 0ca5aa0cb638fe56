/**
 * Which events WebSocket gets which model event, with Asterisk's rules:
 *
 * - A socket opened with `app=a,b` owns apps a and b; each event is sent once per owned app
 *   the event is routed to, with `application` set to that app (res/ari/ari_websockets.c sets
 *   it per app before writing).
 * - `subscribeAll=true` subscribes the socket's apps to every channel, bridge and device; the
 *   app-directed events StasisStart/StasisEnd still go only to the app concerned (the traces'
 *   firehose socket received no StasisStart/StasisEnd at all).
 * - A second socket for an app takes the app over: the first socket gets ApplicationReplaced,
 *   stays open, and gets no more events for it.
 * - The model is told when an app gains its first socket (registerApp) and loses its last
 *   (unregisterApp), because Stasis() needs a registered app.
 *
 * No sockets here: subscribers are anything with send(), so routing is unit-tested alone.
 */
import { ariTimestamp, type PbxEvent } from '../../engine/ari/models.js';
import type { EventRoute, Pbx } from '../core/api.js';

export interface EventSubscriber {
  send(json: string): void;
}

interface Subscription {
  subscriber: EventSubscriber;
  apps: Set<string>;
  subscribeAll: boolean;
}

/** Sent to one app's socket only, never to subscribeAll sockets of other apps. */
const APP_DIRECTED_EVENTS: ReadonlySet<string> = new Set(['StasisStart', 'StasisEnd']);

export class EventHub {
  private readonly subscriptions: Subscription[] = [];
  private readonly owners = new Map<string, Subscription>();

  constructor(private readonly pbx: Pick<Pbx, 'asteriskId' | 'registerApp' | 'unregisterApp'>) {}

  attach(subscriber: EventSubscriber, apps: readonly string[], subscribeAll: boolean): void {
    const sub: Subscription = { subscriber, apps: new Set(apps), subscribeAll };
    this.subscriptions.push(sub);
    for (const app of sub.apps) {
      const previous = this.owners.get(app);
      this.owners.set(app, sub);
      if (previous) {
        previous.apps.delete(app);
        send(previous.subscriber, {
          type: 'ApplicationReplaced',
          timestamp: ariTimestamp(),
          asterisk_id: this.pbx.asteriskId,
          application: app,
        });
      } else {
        this.pbx.registerApp(app);
      }
    }
  }

  detach(subscriber: EventSubscriber): void {
    const index = this.subscriptions.findIndex((s) => s.subscriber === subscriber);
    if (index < 0) return;
    const [sub] = this.subscriptions.splice(index, 1);
    for (const app of sub.apps) {
      if (this.owners.get(app) === sub) {
        this.owners.delete(app);
        this.pbx.unregisterApp(app);
      }
    }
    sub.apps.clear();
  }

  deliver(event: PbxEvent, route: EventRoute): void {
    const appDirected = APP_DIRECTED_EVENTS.has(event.type);
    for (const sub of this.subscriptions) {
      for (const app of sub.apps) {
        if (route.apps.has(app) || (sub.subscribeAll && !appDirected)) {
          send(sub.subscriber, { ...event, application: app });
        }
      }
    }
  }

  /** Apps that currently have a socket, for health and tests. */
  connectedApps(): string[] {
    return [...this.owners.keys()].sort();
  }

  /** Subscribers owning any of `apps` (all subscribers when `apps` is empty). */
  subscribersFor(apps: readonly string[]): EventSubscriber[] {
    if (apps.length === 0) return this.subscriptions.map((s) => s.subscriber);
    return this.subscriptions.filter((s) => apps.some((a) => s.apps.has(a))).map((s) => s.subscriber);
  }
}

function send(subscriber: EventSubscriber, message: object): void {
  subscriber.send(JSON.stringify(message));
}
