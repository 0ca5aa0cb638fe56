/**
 * A Stasis channel's command queue. Asterisk runs a channel's ARI commands (play, record) one at
 * a time on the channel's own thread: a second playback waits for the first, and a recording
 * holds back the playbacks queued after it (fixtures/traces README, "Observed while listening").
 */

export interface Command {
  /** Runs the command; resolves when it is over. The signal aborts when the queue is flushed. */
  run(signal: AbortSignal): Promise<void>;
  /** Dropped before it started (channel left Stasis or hung up). */
  drop?(): void;
}

export class CommandQueue {
  private readonly pending: Command[] = [];
  private running: { command: Command; abort: AbortController } | undefined;
  private scheduled = false;

  get busy(): boolean {
    return this.running !== undefined;
  }

  enqueue(command: Command): void {
    this.pending.push(command);
    // Started on the next turn, as Asterisk's channel thread picks it up: the HTTP answer
    // (state "queued") goes out before PlaybackStarted (s7).
    if (!this.running && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        if (!this.running) void this.next();
      });
    }
  }

  /** Aborts the running command and drops the queued ones. */
  flush(): void {
    const dropped = this.pending.splice(0);
    this.running?.abort.abort();
    for (const c of dropped) c.drop?.();
  }

  /** Removes a command that has not started; false when it is not queued. */
  remove(command: Command): boolean {
    const i = this.pending.indexOf(command);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    return true;
  }

  private async next(): Promise<void> {
    const command = this.pending.shift();
    if (!command) return;
    const abort = new AbortController();
    this.running = { command, abort };
    try {
      await command.run(abort.signal);
    } catch {
      // A command reports its own failures (events, logs); the queue goes on.
    } finally {
      this.running = undefined;
    }
    if (this.pending.length > 0) void this.next();
  }
}
