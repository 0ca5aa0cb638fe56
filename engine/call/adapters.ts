/**
 * Wires the concrete clients into the session's narrow ports (ports.ts).
 */
import type { AriClient } from '../ari/client.js';
import { VoiceActivityDetector, type VadEvent } from '../audio/vad.js';
import type { SampleRate } from '../audiosocket/codec.js';
import type { AudioSocketConnection } from '../audiosocket/connection.js';
import type { AudioSocketServer } from '../audiosocket/server.js';
import type { ManagerAri } from './manager.js';
import type { AudioBinder, BoundAudio, CallAri } from './ports.js';
import type { VoiceDetector } from './session.js';

export function ariPorts(client: AriClient): CallAri & ManagerAri {
  return {
    answer: (id) => client.channels.answer(id),
    hangup: (id, reason) => client.channels.hangup(id, reason),
    getChannel: (id) => client.channels.get(id),
    listChannels: () => client.channels.list(),
    listBridges: () => client.bridges.list(),
    setVariable: (id, name, value) => client.channels.setVariable(id, name, value),
    createBridge: (bridgeId) => client.bridges.create({ type: 'mixing', bridgeId }),
    addToBridge: (bridgeId, ids) => client.bridges.addChannel(bridgeId, ids),
    destroyBridge: (bridgeId) => client.bridges.destroy(bridgeId),
    externalMedia: (p) =>
      client.channels.externalMedia({
        app: p.app,
        channelId: p.channelId,
        external_host: p.externalHost,
        encapsulation: 'audiosocket',
        transport: 'tcp',
        format: p.format,
        data: p.data,
      }),
    snoop: (id, p) => client.channels.snoop(id, p),
    continueInDialplan: (id, p) => client.channels.continueInDialplan(id, p),
    returnToDialplan: (id) => client.channels.continueInDialplan(id),
    play: (id, p) => client.channels.play(id, { media: p.media, playbackId: p.playbackId }),
    stopPlayback: (id) => client.playbacks.stop(id),
  };
}

export function audioBinder(server: AudioSocketServer): AudioBinder {
  return {
    expect(uuid, timeoutMs, rate) {
      let cancelExpectation = (): void => undefined;
      let timer: NodeJS.Timeout | undefined;
      let settle: { resolve(c: BoundAudio): void; reject(e: Error): void } | undefined;
      const bound = new Promise<BoundAudio>((resolve, reject) => {
        settle = { resolve, reject };
        const exp = server.expect(uuid, (conn) => {
          clearTimeout(timer);
          resolve(boundAudio(conn, uuid));
        }, { rate: rate as SampleRate });
        cancelExpectation = () => exp.cancel();
        timer = setTimeout(() => {
          exp.cancel();
          reject(new Error(`no AudioSocket connection with UUID ${uuid} within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      return {
        bound,
        cancel() {
          clearTimeout(timer);
          cancelExpectation();
          settle?.reject(new Error('bind cancelled'));
        },
      };
    },
  };
}

function boundAudio(conn: AudioSocketConnection, uuid: string): BoundAudio {
  return {
    uuid,
    get rate() {
      return conn.rate;
    },
    onAudio: (l) => void conn.on('audio', l),
    onDtmf: (l) => void conn.on('dtmf', l),
    onClose: (l) => void conn.on('close', l),
    write: (pcm, rate) => void conn.write(pcm, rate as SampleRate),
    clearQueue: () => conn.clearQueue(),
    get queuedMs() {
      return conn.queuedMs;
    },
    close: () => conn.close(),
  };
}

/**
 * Per-frame speech verdicts from the engine's VAD (the barge-in detector does the smoothing), and
 * its speech start/end events for a provider that listens (SessionOptions.callerSpeech).
 */
export function vadDetector(rate: number): VoiceDetector {
  // No onFrame: the detector then skips work only a frame report needs (see periodicity()).
  const vad = new VoiceActivityDetector({ rate });
  const listeners: Array<(event: VadEvent) => void> = [];
  return {
    isSpeech(frame) {
      const events = vad.push(frame);
      for (const event of events) for (const listener of listeners) listener(event);
      return vad.frameSpeechLike;
    },
    onEvent(listener) {
      listeners.push(listener);
    },
  };
}
