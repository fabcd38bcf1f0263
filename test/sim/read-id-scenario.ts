import type { LogIndex } from "../../src/core/ids.js";
import type { Message } from "../../src/core/message.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import { DELIVER_ALL, DirectedSim, HEARTBEAT_TICKS, type DirectedViolation } from "./directed-sim.js";

/**
 * The ReadIndex id directed scenario (the review finding behind RaftNode's read id
 * incarnation prefix): follower 2 asks leader 1 for a read index and the answer is slow; 2
 * restarts, 1 commits a write that 2 does not have, and a client reads from 2, whose new
 * request is lost. The slow answer to 2's earlier life then arrives. Ids unique across
 * restarts make 2 drop it, and the read waits; with ids that repeat (the planted Random port
 * fault `randomRepeatsAcrossRestarts`, which gives every incarnation the same stream) 2
 * takes it for its new read and serves it at the old index: a stale read.
 */
export interface ReadIdScenarioResult {
  readonly violations: readonly DirectedViolation[];
  readonly traceTail: readonly string[];
}

const AWAY_FROM_TWO = (m: Message): boolean => m.from !== 2 && m.to !== 2;

export async function runReadIdScenario(options: {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly randomRepeatsAcrossRestarts: boolean;
  readonly traceSink?: (line: string) => void;
}): Promise<ReadIdScenarioResult> {
  const sim = new DirectedSim({ ...options, voters: 3, appendEntriesMax: 64 });
  sim.beginStep("1 leads; 2 asks it for a read index, and the answer is slow");
  sim.elect(1, DELIVER_ALL);
  sim.tick(1, HEARTBEAT_TICKS);
  sim.deliver(DELIVER_ALL);
  const firstRead = await sim.call(2, (member) => member.node.readBarrier(60_000));
  const slow = sim.deliver(DELIVER_ALL, (m) => m.type === "read-index-response" && m.to === 2);
  if (slow.length === 0) sim.report("1 sent 2 no read index answer to hold back");
  if (firstRead.state !== "pending") sim.report(`2's first read settled without its answer (${firstRead.state})`);
  sim.beginStep("2 restarts; 1 commits a write without 2; 2 learns who leads from a heartbeat");
  sim.crash(2);
  sim.restart(2);
  const written = sim.propose(1, "k", "new");
  sim.deliver(AWAY_FROM_TWO);
  if (sim.highestCommitted < written.index) sim.report("1 and 3 did not commit the write");
  sim.tick(1, HEARTBEAT_TICKS);
  sim.deliver((m) => m.type === "heartbeat-request" || AWAY_FROM_TWO(m));
  sim.beginStep("a client reads from 2; its request is lost and the slow answer arrives");
  const read = await sim.call(2, (member) => member.node.readBarrier(60_000));
  sim.redeliver(slow);
  sim.deliver((m) => m.type === "read-index-response");
  await sim.settle();
  if (read.state === "resolved") {
    const index = read.value as LogIndex;
    if (index < written.index) {
      sim.report(`2 served a read at index ${index}, below index ${written.index} committed ` +
        "before the read began: it took an answer meant for its previous incarnation (a stale read)");
    }
  }
  return { violations: sim.violations, traceTail: sim.traceTail() };
}
