/**
 * AudioSocket(uuid,host:port) (app_audiosocket.c), as the traces show it:
 * - the id must be a UUID string: "Failed to parse UUID", no connect, the channel hangs up (s1);
 * - connection refused: "Connection refused", hangup ~10 ms later (s13);
 * - the app blocks; the channel's audio goes out as 0x10 frames (always 8 kHz), DTMF as 0x03;
 *   what the server sends is written to the channel at once (s11: a burst stays a burst);
 * - a 0x00 frame or the server closing ends the app and the dialplan goes on (s2, s3);
 * - the channel hanging up closes the socket with a FIN, no 0x00 (s4);
 * - 2 s with no frame either way: "Reached timeout", FIN, hangup (s5);
 * - any other frame kind from the server: error, connection reset, hangup (s10).
 *
 * LossyAudioSocketWrites (s14): on a Local channel originated without `formats` (native slin192)
 * the 8 kHz audio this app writes arrives 6 dB down on the other half; with formats=slin it is
 * exact. File playback and bridged externalMedia audio were measured exact (s6, s9), so the loss is
 * modelled here, on the app's writes only.
 */
import { isUuid } from '../../engine/audiosocket/codec.js';
import { AudioSocketLink, openSocket, splitHostPort, type LinkEnd } from '../core/audiosocket-link.js';
import type { FrameReader } from '../core/channel.js';
import { convertRate, scaleFrame, type MediaFrame } from '../core/media.js';
import { splitArgs } from './args.js';
import type { AppContext, AppResult } from './exec.js';

const INACTIVITY_MS = 2000;
const REFUSED_HANGUP_DELAY_MS = 10;
const APP_RATE = 8000;

type Outcome = LinkEnd | { kind: 'hungup' } | { kind: 'timeout' };

export async function audioSocketApp(x: AppContext, data: string): Promise<AppResult> {
  const { core, channel, log } = x;
  const [uuid = '', service = ''] = splitArgs(data);
  if (uuid === '') {
    log.error('UUID is required');
    return 'hangup';
  }
  if (!isUuid(uuid)) {
    log.error(`Failed to parse UUID '${uuid}'`);
    return 'hangup';
  }
  const hostPort = splitHostPort(service);
  if (!hostPort) {
    log.error(`Failed to parse AudioSocket server address '${service}'`);
    log.error('Failed to connect to AudioSocket service');
    return 'hangup';
  }
  let socket;
  try {
    socket = await openSocket({ ...hostPort, refuse: core.connectFaults.refuse, delayMs: core.connectFaults.delayMs }, x.signal);
  } catch (err) {
    if (x.signal.aborted) return 'hangup';
    log.warn(`Connecting to '${service}' failed for url '${service}': ${(err as Error).message}`);
    log.error('Failed to connect to AudioSocket service');
    await x.sleep(REFUSED_HANGUP_DELAY_MS);
    return 'hangup';
  }
  if (x.signal.aborted || core.closed) {
    socket.destroy();
    return 'hangup';
  }
  if (channel.state !== 'Up') {
    log.error('Channel is not answered');
    socket.end();
    socket.setTimeout(1000, () => socket.destroy());
    return 'hangup';
  }

  const outcome = await new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      x.signal.removeEventListener('abort', onAbort);
      if (channel.reader === reader) channel.reader = null;
      core.links.delete(link);
      resolve(o);
    };
    const lossy = channel.lossyAudioSocketWrites;
    const link = new AudioSocketLink(socket, uuid, {
      onAudio: (frame: MediaFrame) => channel.write(lossy && frame.rate === APP_RATE ? scaleFrame(frame, 0.5) : frame),
      onEnd: (end) => settle(end),
    });
    core.links.set(link, channel);
    const reader: FrameReader = {
      onFrame: (frame) => link.sendAudio(convertRate(frame, APP_RATE)),
      onDtmf: (digit) => link.sendDtmf(digit),
    };
    channel.reader = reader;
    const onAbort = (): void => {
      link.close();
      settle({ kind: 'hungup' });
    };
    // One timer per call, re-armed to the last activity only when it fires.
    let cancelTimer = (): void => {};
    const arm = (ms: number): void => {
      cancelTimer = core.scheduler.after(ms, () => {
        const idle = performance.now() - link.lastActivity;
        if (idle >= INACTIVITY_MS - 1) {
          link.close();
          settle({ kind: 'timeout' });
        } else arm(INACTIVITY_MS - idle);
      });
    };
    arm(INACTIVITY_MS);
    if (x.signal.aborted) return onAbort();
    x.signal.addEventListener('abort', onAbort, { once: true });
  });

  switch (outcome.kind) {
    case 'hangup-frame':
    case 'closed':
      return 'next';
    case 'timeout':
      log.error(`Reached timeout after ${INACTIVITY_MS} ms of no activity on AudioSocket connection between '${channel.name}' and '${service}'`);
      return 'hangup';
    case 'error':
      log.error(outcome.message);
      log.warn(`Failed to receive frame from AudioSocket server '${service}' connected to channel '${channel.name}'`);
      return 'hangup';
    case 'hungup':
      return 'hangup';
  }
}
