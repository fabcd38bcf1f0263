/**
 * Goal: validateRaftConfig() refuses the lease settings that would make a lease read unsafe
 * or meaningless, and accepts the defaults and the settings production may choose.
 * Method: the defaults with one field changed at a time.
 */
import { nodeId } from "./ids.js";
import { DEFAULT_RAFT_CONFIG, validateRaftConfig, type RaftConfig } from "./raft-config.js";

function problemsWith(overrides: Partial<RaftConfig>): string[] {
  return validateRaftConfig({ ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(1), ...overrides });
}

describe("validateRaftConfig() on leaseDriftMarginTicks", () => {
  it("accepts the defaults, with lease reads on or off", () => {
    expect(problemsWith({})).toEqual([]);
    expect(problemsWith({ leaseReads: true })).toEqual([]);
  });

  it("requires a margin of at least one tick, to cover the phase between ticks", () => {
    for (const margin of [0, -1, 1.5]) {
      expect(problemsWith({ leaseDriftMarginTicks: margin })).toEqual([
        "leaseDriftMarginTicks must be a positive integer",
      ]);
    }
  });

  it("requires a lease of at least one tick when lease reads are on", () => {
    expect(problemsWith({ leaseReads: true, electionTicks: 3, leaseDriftMarginTicks: 2 }))
      .toEqual([]);
    expect(problemsWith({ leaseReads: true, electionTicks: 2, leaseDriftMarginTicks: 2 }))
      .toHaveLength(1);
    // Unused without lease reads, so the smallest election timeout stays allowed.
    expect(problemsWith({ electionTicks: 2, heartbeatTicks: 1, leaseDriftMarginTicks: 2 }))
      .toEqual([]);
  });
});
