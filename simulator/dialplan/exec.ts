/**
 * Runs extensions.conf on a channel, one priority after the other, as main/pbx.c
 * __ast_pbx_run does: look the step up, substitute its data, publish ChannelDialplan, run the
 * application; 0 goes on to the next priority, -1 (or a hangup) ends the dialplan; falling off
 * the end of an extension ends it too. An application or function the simulator does not provide
 * is an error naming the file and line, logged, and the channel is hung up: never a silent skip.
 */
import type { Logger } from 'pino';
import type { SimChannel } from '../core/channel.js';
import type { Core, DialplanLocation, PbxRunner, PbxRunOptions } from '../core/core.js';
import type { Dialplan, DialplanStep } from './dialplan.js';
import { DialplanError } from './error.js';
import { substituteContext } from './exec-vars.js';
import { substitute } from './substitute.js';

export type AppResult = 'next' | 'hangup' | { goto: DialplanLocation };

export interface AppContext {
  core: Core;
  channel: SimChannel;
  dialplan: Dialplan;
  step: DialplanStep;
  /** Where the channel is: the dialed extension (${EXTEN}), not the pattern that matched. */
  here: DialplanLocation;
  /** Aborts when the channel is hung up. */
  signal: AbortSignal;
  log: Logger;
  /** Waits; resolves false when the channel hangs up first. */
  sleep(ms: number): Promise<boolean>;
}

export type DialplanApp = (x: AppContext, data: string) => AppResult | Promise<AppResult>;

export function createPbxRunner(core: Core, dialplan: () => Dialplan, apps: ReadonlyMap<string, DialplanApp>): PbxRunner {
  return (channel, at, options) => runPbx(core, dialplan(), apps, channel, at, options);
}

async function runPbx(
  core: Core,
  dialplan: Dialplan,
  apps: ReadonlyMap<string, DialplanApp>,
  channel: SimChannel,
  start: DialplanLocation,
  options: PbxRunOptions,
): Promise<void> {
  if (channel.destroyed) return;
  channel.pbxRunning = true;
  const log = core.log.child({ channel: channel.name });
  let here: DialplanLocation = { ...start };
  try {
    while (!channel.hangupRequested) {
      const step = dialplan.find(here.context, here.exten, here.priority);
      if (!step) {
        if (here.priority === 1 || !dialplan.hasExtension(here.context, here.exten)) {
          log.warn(`Channel '${channel.name}' sent to invalid extension but no invalid handler: context,exten,priority=${here.context},${here.exten},${here.priority}`);
        } else {
          log.info(`Auto fallthrough, channel '${channel.name}' status is 'UNKNOWN'`);
        }
        break;
      }
      const app = apps.get(step.app.toLowerCase());
      if (!app) {
        const err = new DialplanError(step.at, `unsupported application ${step.app}()`, 'DIALPLAN_ERR_UNKNOWN_APP');
        log.error({ code: err.code, file: err.file, line: err.line }, `${err.message}: hanging up ${channel.name}`);
        break;
      }
      // ${EXTEN}, ${CONTEXT}, ${PRIORITY} read the step being run.
      channel.dialplan = { ...channel.dialplan, context: here.context, exten: here.exten, priority: here.priority };
      let data: string;
      try {
        data = substitute(step.appData, substituteContext(core, channel), step.at);
      } catch (err) {
        const e = err instanceof DialplanError ? err : new DialplanError(step.at, String(err));
        log.error({ code: e.code, file: e.file, line: e.line }, `${e.message}: hanging up ${channel.name}`);
        break;
      }
      core.dialplanStep(channel, { context: here.context, exten: here.exten, priority: here.priority, app_name: step.app, app_data: data });
      let result: AppResult;
      try {
        result = await app(appContext(core, dialplan, channel, step, here, log), data);
      } catch (err) {
        const e = err instanceof DialplanError ? err : new DialplanError(step.at, `${step.app}(): ${(err as Error).message}`);
        log.error({ code: e.code, file: e.file, line: e.line }, `${e.message}: hanging up ${channel.name}`);
        break;
      }
      if (result === 'hangup') break;
      if (result === 'next') here = { ...here, priority: here.priority + 1 };
      else here = { ...result.goto };
    }
  } finally {
    channel.pbxRunning = false;
  }
  finishPbx(core, channel, options);
}

/**
 * After the dialplan. A channel that entered Stasis directly and was continued gets
 * STASISSTATUS=SUCCESS only now (s12). A snoop is not destroyed while its target lives (s12: the
 * snoop's ChannelDestroyed comes with its target's); the others end with the pbx's soft hangup.
 */
function finishPbx(core: Core, channel: SimChannel, options: PbxRunOptions): void {
  if (channel.destroyed) return;
  if (channel.directStasis && !channel.stasis) core.setVar(channel, 'STASISSTATUS', 'SUCCESS');
  if (channel.kind === 'snoop' && channel.snoopTarget && !channel.snoopTarget.destroyed) {
    channel.markHangupRequested();
    channel.reader = null;
    // Nothing listens any more: stop spying now, keep only the channel record.
    for (const cleanup of channel.onDestroy.splice(0)) cleanup();
    return;
  }
  core.endPbx(channel, options);
}

function appContext(core: Core, dialplan: Dialplan, channel: SimChannel, step: DialplanStep, here: DialplanLocation, log: Logger): AppContext {
  const signal = channel.hangupSignal;
  return {
    core,
    channel,
    dialplan,
    step,
    here,
    signal,
    log,
    sleep: (ms) =>
      new Promise((resolve) => {
        if (signal.aborted) return resolve(false);
        const onAbort = (): void => {
          cancel();
          resolve(false);
        };
        const cancel = core.scheduler.after(ms, () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        });
        signal.addEventListener('abort', onAbort, { once: true });
      }),
  };
}
