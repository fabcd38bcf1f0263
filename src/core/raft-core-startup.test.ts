/**
 * Goal: a restart learns the membership from the log's configuration entries alone; it
 * never reads the whole log (entries and their data) into memory.
 * Method: a RaftCore built over a MemoryLogStore holding many command entries and two
 * configuration changes, with entries() made to fail, so only configEntries() can serve it.
 */
import { bootstrapEntries } from "./bootstrap.js";
import type { Entry } from "./entry.js";
import { logIndex, nodeId, term } from "./ids.js";
import { encodeMembershipConfig, isLearner, isVoter, makeConfig } from "./membership-config.js";
import { DEFAULT_RAFT_CONFIG } from "./raft-config.js";
import { RaftCore } from "./raft-core.js";
import { SeededRandom } from "./random.js";
import { MemoryLogStore } from "../storage/memory-log-store.js";

describe("RaftCore at startup", () => {
  it("reads only the configuration entries to learn the membership", () => {
    const boot = bootstrapEntries(makeConfig([1, 2, 3]));
    const store = new MemoryLogStore(boot);
    const later: Entry[] = [];
    for (let index = 2; index <= 1000; index++) {
      const config = index === 500 ? makeConfig([1, 2, 3], [4])
        : index === 900 ? makeConfig([1, 2, 3, 4]) : undefined;
      later.push(config === undefined
        ? { index: logIndex(index), term: term(1), kind: "command", data: new Uint8Array(64) }
        : { index: logIndex(index), term: term(1), kind: "config", data: encodeMembershipConfig(config) });
    }
    store.persist({ entries: later });
    store.entries = () => {
      throw new Error("startup read the whole log");
    };
    const core = new RaftCore({
      config: { ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(1) }, storage: store,
      random: new SeededRandom(1),
    });
    const membership = core.membership();
    expect(isVoter(membership, nodeId(4))).toBe(true);
    expect(isLearner(membership, nodeId(4))).toBe(false);
  });
});
