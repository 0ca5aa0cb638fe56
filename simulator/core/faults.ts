/**
 * Fault injection (SimFaults in api.ts): refused or slow AudioSocket connects, a connection that
 * breaks mid-call, a channel that hangs up by itself after a while, a phone that echoes (echo.ts).
 */
import { AriError, type SimFaults } from './api.js';
import { Cause } from './causes.js';
import type { Core } from './core.js';
import type { SimChannel } from './channel.js';
import { checkEcho, startEcho, stopEcho, type EchoParams } from './echo.js';
import type { Cancel } from './scheduler.js';

export class Faults implements SimFaults {
  private readonly timers = new Set<Cancel>();

  constructor(private readonly core: Core) {}

  refuseAudioSocketConnects(refuse: boolean): void {
    this.core.connectFaults.refuse = refuse;
  }

  delayAudioSocketConnects(ms: number): void {
    this.core.connectFaults.delayMs = Math.max(0, ms);
  }

  dropAudioSocket(channelId: string, how: 'reset' | 'close' = 'reset'): boolean {
    this.channel(channelId);
    for (const [link, channel] of this.core.links) {
      if (channel.id === channelId && link.open) {
        this.core.log.info({ channel: channel.name, how }, 'fault: dropping AudioSocket connection');
        link.breakConnection(how);
        return true;
      }
    }
    return false;
  }

  hangupAfter(channelId: string, ms: number, cause: number = Cause.NormalClearing): void {
    this.channel(channelId);
    const cancel = this.core.scheduler.after(ms, () => {
      this.timers.delete(cancel);
      const channel = this.core.channels.get(channelId);
      if (channel && !channel.destroyed) this.core.hangupExplicit(channel, cause);
    });
    this.timers.add(cancel);
  }

  setEcho(channelId: string, echo: EchoParams): void {
    // Parameters first (400), then the channel (404), as ARI checks its parameters first.
    const checked = checkEcho(echo);
    startEcho(this.core, this.channel(channelId), checked);
  }

  removeEcho(channelId: string): boolean {
    return stopEcho(this.channel(channelId));
  }

  clear(): void {
    this.core.connectFaults.refuse = false;
    this.core.connectFaults.delayMs = 0;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    for (const channel of this.core.channels.values()) stopEcho(channel);
  }

  private channel(id: string): SimChannel {
    const channel = this.core.channels.get(id);
    if (!channel) throw new AriError(404, 'Channel not found');
    return channel;
  }
}
