/**
 * Identifiers in Asterisk's shapes: channel uniqueids `<startup epoch>.<n>` (one counter for
 * every channel, so a Local pair gets n and n+1: trace s1 "1795678833.0" / ".1"), and the
 * 8-hex-digit sequence numbers in channel names (`Local/s@ctx-0000000a;1`, `Snoop/<id>-00000000`).
 */

export class Ids {
  private readonly epoch: number;
  private uniqueSeq = 0;
  private localSeq = 0;
  private snoopSeq = 0;

  constructor(startedAt: Date) {
    this.epoch = Math.floor(startedAt.getTime() / 1000);
  }

  uniqueId(): string {
    return `${this.epoch}.${this.uniqueSeq++}`;
  }

  nextLocal(): string {
    return hex8(this.localSeq++);
  }

  nextSnoop(): string {
    return hex8(this.snoopSeq++);
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** AST_MAX_PUBLIC_UNIQUEID: longer client-chosen ids are refused with 400. */
export const MAX_PUBLIC_UNIQUEID = 127;
