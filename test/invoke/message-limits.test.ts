import { describe, expect, it } from 'vitest';
import { grpcMessageLimits, MESSAGE_OVERHEAD_BYTES } from '../../src/invoke/message-limits.js';

describe('grpcMessageLimits', () => {
  it('sizes send for the response cap and receive for the request cap, plus overhead', () => {
    expect(grpcMessageLimits()).toEqual({
      maxReceiveMessageLength: 6 * 1024 * 1024 + MESSAGE_OVERHEAD_BYTES,
      maxSendMessageLength: 10 * 1024 * 1024 + MESSAGE_OVERHEAD_BYTES,
    });
    expect(grpcMessageLimits({ maxResponseBytes: 32 << 20, maxRequestBytes: 8 << 20, overheadBytes: 0 }))
      .toEqual({ maxReceiveMessageLength: 8 << 20, maxSendMessageLength: 32 << 20 });
  });

  it('never goes below gRPC’s 4 MiB default', () => {
    expect(grpcMessageLimits({ maxResponseBytes: 1, maxRequestBytes: 1 }))
      .toEqual({ maxReceiveMessageLength: 4 << 20, maxSendMessageLength: 4 << 20 });
  });

  it('throws RangeError for a non-positive cap', () => {
    expect(() => grpcMessageLimits({ maxResponseBytes: 0 })).toThrow(RangeError);
    expect(() => grpcMessageLimits({ maxRequestBytes: 1.5 })).toThrow(RangeError);
  });
});
