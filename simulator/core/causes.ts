/**
 * Hangup causes as Asterisk names and numbers them (include/asterisk/causes.h, main/channel.c),
 * and the reasons ARI's DELETE /channels/{id}?reason= accepts (res/ari/resource_channels.c).
 */

export const Cause = {
  Unknown: 0,
  Unallocated: 1,
  NormalClearing: 16,
  UserBusy: 17,
  NoUserResponse: 18,
  NoAnswer: 19,
  CallRejected: 21,
  AnsweredElsewhere: 26,
  InvalidNumberFormat: 28,
  NormalUnspecified: 31,
  Congestion: 34,
  NetworkOutOfOrder: 38,
  BearerCapabilityNotAvail: 58,
  Interworking: 127,
} as const;

/**
 * ChannelHangupRequest carries, for a soft hangup, the soft-hangup flag rather than a cause:
 * 32 (AST_SOFTHANGUP_EXPLICIT) for ARI DELETE, 16 (AST_SOFTHANGUP_APPUNLOAD) when the dialplan
 * loop ends. Traces s1–s14 show both.
 */
export const SoftHangup = { AppUnload: 16, Explicit: 32 } as const;

const CAUSE_TEXT: ReadonlyMap<number, string> = new Map([
  [0, 'Unknown'],
  [1, 'Unallocated (unassigned) number'],
  [2, 'No route to specified transmit network'],
  [3, 'No route to destination'],
  [5, 'Misdialed trunk prefix'],
  [6, 'Channel unacceptable'],
  [7, 'Call awarded and being delivered in an established channel'],
  [8, 'Pre-empted'],
  [14, 'Number ported elsewhere'],
  [16, 'Normal Clearing'],
  [17, 'User busy'],
  [18, 'No user responding'],
  [19, 'User alerting, no answer'],
  [20, 'Subscriber absent'],
  [21, 'Call Rejected'],
  [22, 'Number changed'],
  [23, 'Redirected to new destination'],
  [26, 'Answered elsewhere'],
  [27, 'Destination out of order'],
  [28, 'Invalid number format'],
  [29, 'Facility rejected'],
  [30, 'Response to STATus ENQuiry'],
  [31, 'Normal, unspecified'],
  [34, 'Circuit/channel congestion'],
  [38, 'Network out of order'],
  [41, 'Temporary failure'],
  [42, 'Switching equipment congestion'],
  [43, 'Access information discarded'],
  [44, 'Requested channel not available'],
  [50, 'Facility not subscribed'],
  [52, 'Outgoing call barred'],
  [54, 'Incoming call barred'],
  [57, 'Bearer capability not authorized'],
  [58, 'Bearer capability not available'],
  [65, 'Bearer capability not implemented'],
  [66, 'Channel not implemented'],
  [69, 'Facility not implemented'],
  [81, 'Invalid call reference value'],
  [88, 'Incompatible destination'],
  [95, 'Invalid message unspecified'],
  [96, 'Mandatory information element is missing'],
  [97, 'Message type nonexist.'],
  [98, 'Wrong message'],
  [99, 'Info. element nonexist or not implemented'],
  [100, 'Invalid information element contents'],
  [101, 'Message not compatible with call state'],
  [102, 'Recover on timer expiry'],
  [103, 'Mandatory IE length error'],
  [111, 'Protocol error, unspecified'],
  [127, 'Interworking, unspecified'],
]);

/** ast_cause2str: "Unknown" for a number Asterisk has no text for. */
export function causeText(cause: number): string {
  return CAUSE_TEXT.get(cause) ?? 'Unknown';
}

const REASONS: ReadonlyMap<string, number> = new Map([
  ['normal', Cause.NormalClearing],
  ['busy', Cause.UserBusy],
  ['congestion', Cause.Congestion],
  ['no_answer', Cause.NoAnswer],
  ['timeout', Cause.NoUserResponse],
  ['rejected', Cause.CallRejected],
  ['unallocated', Cause.Unallocated],
  ['normal_unspecified', Cause.NormalUnspecified],
  ['number_incomplete', Cause.InvalidNumberFormat],
  ['codec_mismatch', Cause.BearerCapabilityNotAvail],
  ['interworking', Cause.Interworking],
  ['failure', Cause.NetworkOutOfOrder],
  ['answered_elsewhere', Cause.AnsweredElsewhere],
]);

/** The cause for an ARI hangup reason, or undefined for one Asterisk rejects. */
export function causeForReason(reason: string): number | undefined {
  return REASONS.get(reason);
}
