/**
 * Caller audio on its way to the provider: converted from the call's rate to the provider's
 * (`streaming.sample_rate_hz`) with a streaming resampler, so frame edges do not click, and
 * handed over in chunks of `streaming.chunk_duration_ms`.
 */
import { StreamingResampler } from '../audio/resample.js';

export class ProviderFeed {
  private readonly resampler: StreamingResampler | null;
  private readonly chunkBytes: number;
  private parts: Buffer[] = [];
  private buffered = 0;
  private readonly deliver: (pcm: Buffer) => void;

  constructor(opts: { callRate: number; providerRate: number; chunkMs: number; deliver: (pcm: Buffer) => void }) {
    this.resampler = opts.callRate === opts.providerRate ? null : new StreamingResampler(opts.callRate, opts.providerRate);
    this.chunkBytes = Math.max(2, Math.round((opts.providerRate * opts.chunkMs) / 1000) * 2);
    this.deliver = opts.deliver;
  }

  push(frame: Buffer): void {
    const pcm = this.resampler ? this.resampler.push(frame) : frame;
    if (pcm.length === 0) return;
    if (this.buffered === 0 && pcm.length === this.chunkBytes) return this.deliver(pcm);
    this.parts.push(pcm);
    this.buffered += pcm.length;
    if (this.buffered < this.chunkBytes) return;
    const all = Buffer.concat(this.parts, this.buffered);
    let off = 0;
    for (; off + this.chunkBytes <= all.length; off += this.chunkBytes) this.deliver(all.subarray(off, off + this.chunkBytes));
    const rest = all.subarray(off);
    this.parts = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
  }
}
