/**
 * Undo list of a doctor run: each check registers what it created the moment it exists, and the
 * doctor runs the list in a finally block, newest first, so a failing or throwing check still
 * leaves nothing behind. Undo steps that fail are reported, never thrown.
 */
import type { Logger } from 'pino';

interface Task {
  what: string;
  undo: () => Promise<void>;
}

export class Cleanup {
  private readonly tasks: Task[] = [];

  add(what: string, undo: () => Promise<void>): void {
    this.tasks.push({ what, undo });
  }

  /** Runs every undo step once, newest first; returns what could not be undone. */
  async run(log?: Logger): Promise<string[]> {
    const failed: string[] = [];
    while (this.tasks.length > 0) {
      const task = this.tasks.pop()!;
      try {
        await task.undo();
      } catch (err) {
        log?.warn({ what: task.what, err: (err as Error).message }, 'doctor cleanup step failed');
        failed.push(`${task.what}: ${(err as Error).message}`);
      }
    }
    return failed;
  }
}
