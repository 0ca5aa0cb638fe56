/**
 * Cuts a response's audio into files for playback while the rest is still being synthesized.
 * The first segment is short so the caller hears the agent soon; later ones are longer so the
 * PBX does not play a string of tiny files. Pure: bytes in, segments out.
 */

export interface SegmenterOptions {
  sampleRate: number;
  firstSegmentMs: number;
  segmentMs: number;
}

export class ResponseSegmenter {
  private readonly bytesPerMs: number;
  private readonly opts: SegmenterOptions;
  private parts: Buffer[] = [];
  private buffered = 0;
  private emitted = 0;

  constructor(opts: SegmenterOptions) {
    this.opts = opts;
    this.bytesPerMs = (opts.sampleRate * 2) / 1000;
  }

  /** Adds audio; returns the segments now complete, in order. */
  push(pcm: Buffer): Buffer[] {
    this.parts.push(pcm);
    this.buffered += pcm.length;
    const out: Buffer[] = [];
    for (;;) {
      const want = this.wantBytes();
      if (this.buffered < want) return out;
      const all = Buffer.concat(this.parts, this.buffered);
      out.push(all.subarray(0, want));
      const rest = all.subarray(want);
      this.parts = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.emitted++;
    }
  }

  /** The remainder at the end of the response, or null when nothing is left. */
  flush(): Buffer | null {
    if (this.buffered === 0) return null;
    const all = Buffer.concat(this.parts, this.buffered);
    this.reset();
    return all;
  }

  /**
   * Everything buffered so far, once the first segment is out (the player is idle and should not
   * wait for a full segment), or null. The response goes on: the next cut is a later segment.
   */
  drain(): Buffer | null {
    if (this.emitted === 0 || this.buffered === 0) return null;
    const all = Buffer.concat(this.parts, this.buffered);
    this.parts = [];
    this.buffered = 0;
    this.emitted++;
    return all;
  }

  /** Drops everything (barge-in) and starts over for the next response. */
  reset(): void {
    this.parts = [];
    this.buffered = 0;
    this.emitted = 0;
  }

  private wantBytes(): number {
    const ms = this.emitted === 0 ? this.opts.firstSegmentMs : this.opts.segmentMs;
    // Whole samples only.
    return Math.max(2, Math.floor((ms * this.bytesPerMs) / 2) * 2);
  }
}
