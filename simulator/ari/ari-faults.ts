/**
 * Faults the ARI layer itself can inject, set through the control API: slow REST answers, and
 * an events WebSocket that is unreachable for a while (as while Asterisk restarts). State
 * only; the server consults it.
 */
export interface AriFaultState {
  responseDelayMs: number;
  refuseEventSocketsForMs: number;
}

export class AriFaults {
  private responseDelay = 0;
  private refuseEventsUntil = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Every /ari REST answer (and api-docs) waits this long before it is sent; 0 turns it off. */
  setResponseDelay(ms: number): void {
    this.responseDelay = Math.max(0, ms);
  }

  get responseDelayMs(): number {
    return this.responseDelay;
  }

  /** New events WebSocket connections are reset at once for the next `ms` milliseconds. */
  refuseEventSocketsFor(ms: number): void {
    this.refuseEventsUntil = ms > 0 ? this.now() + ms : 0;
  }

  eventSocketsRefused(): boolean {
    return this.now() < this.refuseEventsUntil;
  }

  clear(): void {
    this.responseDelay = 0;
    this.refuseEventsUntil = 0;
  }

  state(): AriFaultState {
    return {
      responseDelayMs: this.responseDelay,
      refuseEventSocketsForMs: Math.max(0, this.refuseEventsUntil - this.now()),
    };
  }
}
