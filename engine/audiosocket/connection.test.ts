/**
 * The connection's per-tick behaviour against an in-memory socket, where the test decides when
 * the peer reads: backpressure cannot be provoked quickly over loopback TCP (the kernel buffers
 * megabytes first).
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { AudioSocketParser, encodeAudio, encodeUuid, type AudioSocketFrame } from './codec.js';
import { AudioSocketConnection, type AudioSocketRefusalCode, type ConnectionHooks } from './connection.js';

/** A socket whose peer reads only while `reading` is true; unread writes pile up in writableLength. */
class MemorySocket extends Duplex {
  remoteAddress = '127.0.0.1';
  remotePort = 40000;
  reading = true;
  readonly sent: AudioSocketFrame[] = [];
  private held: (() => void)[] = [];
  private parser = new AudioSocketParser({ onFrame: (f) => this.sent.push(f), onError: (e) => { throw e; } });
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.parser.push(chunk);
    if (this.reading) cb();
    else this.held.push(() => cb());
  }
  resume_(): void {
    this.reading = true;
    for (const cb of this.held.splice(0)) cb();
  }
}

function make(maxBufferedBytes = 2000) {
  const socket = new MemorySocket();
  const refused: AudioSocketRefusalCode[] = [];
  const uuids: string[] = [];
  const hooks: ConnectionHooks = {
    uuid: (_c, u) => uuids.push(u),
    refused: (_c, code) => refused.push(code),
    frameIn: () => {},
    closed: () => {},
  };
  const conn = new AudioSocketConnection({
    socket: socket as unknown as Socket,
    logger: createLogger({ level: 'silent' }),
    hooks,
    rate: 8000,
    bindTimeoutMs: 10_000,
    maxPayloadBytes: 8192,
    maxBufferedBytes,
    closeTimeoutMs: 100,
  });
  return { socket, conn, refused, uuids };
}

describe('AudioSocketConnection.tick', () => {
  it('sends silence at the default rate before binding', () => {
    const { socket, conn } = make();
    expect(conn.tick()).toBe('silence');
    expect(socket.sent).toEqual([{ type: 'audio', kind: 0x10, rate: 8000, payload: Buffer.alloc(320) }]);
    conn.destroy();
  });

  it('sends queued audio before silence, then silence again', () => {
    const { socket, conn } = make();
    conn.markBound('00000000-0000-4000-8000-000000000000', 16000);
    conn.write(Buffer.alloc(640, 1));
    expect([conn.tick(), conn.tick()]).toEqual(['audio', 'silence']);
    expect(socket.sent.map((f) => (f.type === 'audio' ? f.rate : 0))).toEqual([16000, 16000]);
    expect(conn.stats).toMatchObject({ framesOut: 2, audioFramesOut: 1, silenceFramesOut: 1, droppedFrames: 0 });
    conn.destroy();
  });

  it('drops frames, counting them, while the write buffer is over its bound', () => {
    const { socket, conn } = make(2000);
    conn.markBound('00000000-0000-4000-8000-000000000000');
    socket.reading = false;
    conn.write(Buffer.alloc(320 * 20, 1)); // 400 ms of audio
    const results = Array.from({ length: 20 }, () => conn.tick());
    const sent = results.filter((r) => r === 'audio').length;
    const dropped = results.filter((r) => r === 'dropped').length;
    expect(sent + dropped).toBe(20);
    expect(dropped).toBeGreaterThan(10);
    expect(conn.stats.droppedFrames).toBe(dropped);
    // Never more than the bound plus one frame waits in our buffer.
    expect(socket.writableLength).toBeLessThanOrEqual(2000 + 323);
    // Dropped audio is gone: time moved on for it too.
    expect(conn.queuedMs).toBe(0);
    socket.resume_();
    expect(conn.tick()).toBe('silence');
    conn.destroy();
  });

  it('hands the first UUID frame to the server and refuses anything else first', () => {
    const a = make();
    a.socket.push(encodeUuid('6025874d-6d92-44de-957b-c7ad163ae091'));
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        expect(a.uuids).toEqual(['6025874d-6d92-44de-957b-c7ad163ae091']);
        const b = make();
        b.socket.push(Buffer.from([0x03, 0x00, 0x01, 0x31])); // DTMF '1' first
        setImmediate(() => {
          expect(b.refused).toEqual(['AS_ERR_NO_UUID']);
          expect(b.conn.state).not.toBe('pending');
          a.conn.destroy();
          resolve();
        });
      });
    });
  });

  it('write() refuses a rate AudioSocket cannot carry', () => {
    const { conn } = make();
    expect(() => conn.write(Buffer.alloc(2), 11025)).toThrow(RangeError);
    conn.destroy();
  });
});

describe('AudioSocketConnection inbound audio', () => {
  it('hands on payloads 2-byte aligned, whatever their offset in the read', async () => {
    const { socket, conn } = make();
    conn.markBound('00000000-0000-4000-8000-000000000000', 8000);
    const got: Buffer[] = [];
    conn.on('audio', (pcm: Buffer) => got.push(pcm));
    const a = Buffer.alloc(320, 0x11);
    const b = Buffer.from(Array.from({ length: 320 }, (_, i) => i & 0xff));
    // One read holding two frames: the payloads sit 3 and 326 bytes in, both odd.
    socket.push(Buffer.concat([encodeAudio(8000, a), encodeAudio(8000, b)]));
    await new Promise((r) => setImmediate(r));
    expect(got.map((p) => p.byteOffset % 2)).toEqual([0, 0]);
    expect(got).toEqual([a, b]);
    conn.destroy();
  });
});
