/** Starts bench/lib/sim-child.ts (the simulator in its own measured process) and talks to it. */
import { MeasuredChild } from './children.js';

export interface SimStats {
  channels: number;
  bridges: number;
  playbacks: number;
  timers: number;
  links: number;
}

export interface SimProcess {
  child: MeasuredChild;
  url: string;
  username: string;
  password: string;
  stats(): Promise<SimStats | null>;
  stop(): Promise<void>;
}

export async function startSimProcess(opts: { extensionsConf?: string; soundDirs?: string[]; nodeFlags?: string[] } = {}): Promise<SimProcess> {
  const child = new MeasuredChild({
    entry: 'bench/lib/sim-child.ts',
    args: [JSON.stringify({ extensionsConf: opts.extensionsConf, soundDirs: opts.soundDirs })],
    nodeFlags: opts.nodeFlags,
  });
  const line = await child.waitForStdout((l) => l.startsWith('SIM_READY '), 30_000, 'the simulator to start');
  const info = JSON.parse(line.slice('SIM_READY '.length)) as { url: string; username: string; password: string };
  return {
    child,
    ...info,
    stats() {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          child.proc.off('message', onMsg);
          resolve(null);
        }, 10_000);
        const onMsg = (msg: unknown) => {
          const m = msg as { sim?: string; stats?: SimStats | null };
          if (m?.sim !== 'stats') return;
          clearTimeout(timer);
          child.proc.off('message', onMsg);
          resolve(m.stats ?? null);
        };
        child.proc.on('message', onMsg);
        child.send({ sim: 'stats' });
      });
    },
    async stop() {
      await child.stop();
    },
  };
}
