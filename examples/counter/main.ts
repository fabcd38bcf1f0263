/**
 * A replicated counter on the raftkv library, as hashicorp/raft is used in Go: three members
 * in one process, each a RaftNode applying "add N" commands to its own CounterStateMachine.
 * It counts through the leader, reads through a follower, cuts the leader off, keeps counting
 * with the new leader, heals the network and checks that every member agrees. Each step
 * prints one line; any failure throws, so the process exits non-zero.
 *
 * It imports only the package's entry point ("raftkv"). Run it after `npm run build` with
 * `node dist/examples/counter/main.js`; examples/counter/README.md explains it.
 */
import { MemoryNetwork, type NodeId } from "raftkv";
import {
  startCounterCluster, waitForLeader, waitForTotal, type CounterMember,
} from "./counter-cluster.js";
import { CounterStateMachine } from "./counter-state-machine.js";

/** Per-call deadline for apply() and readBarrier(). */
const CALL_DEADLINE_MS = 2000;
const ADDS = 20;

async function main(): Promise<void> {
  const network = new MemoryNetwork();
  const members = startCounterCluster(network, [1, 2, 3]);
  try {
    await countAndFailOver(network, members);
  } finally {
    for (const member of members.values()) await member.node.stop();
  }
}

async function countAndFailOver(
  network: MemoryNetwork,
  members: ReadonlyMap<NodeId, CounterMember>,
): Promise<void> {
  const leader = await waitForLeader(members);
  say(`leader: member ${String(leader.node.id)}`);
  let total = 0;
  for (let amount = 1; amount <= ADDS; amount++) {
    const command = CounterStateMachine.encodeAdd(amount);
    const applied = await leader.node.apply(command, CALL_DEADLINE_MS);
    total = check(applied.result, total + amount, `add ${String(amount)}`);
  }
  say(`added 1..${String(ADDS)} through the leader: total ${String(total)}`);

  const follower = [...members.values()].find((member) => member !== leader)!;
  await follower.node.readBarrier(CALL_DEADLINE_MS);
  check(follower.counter.value(), total, "a linearizable read on a follower");
  say(`read through member ${String(follower.node.id)}: ${String(total)}`);

  network.isolate(leader.node.id, [...members.keys()]);
  const successor = await waitForLeader(members, leader.node.id);
  say(`isolated member ${String(leader.node.id)}; new leader: member ${String(successor.node.id)}`);
  const applied = await successor.node.apply(CounterStateMachine.encodeAdd(-10), CALL_DEADLINE_MS);
  total = check(applied.result, total - 10, "add -10 on the new leader");
  say(`added -10 through the new leader: total ${String(total)}`);

  network.heal();
  for (const member of members.values()) await waitForTotal(member, total);
  say(`healed; every member's total: ${String(total)}`);
}

/** Returns `actual` when it is `expected`; throws naming `what` otherwise. */
function check(actual: number | undefined, expected: number, what: string): number {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }
  return actual;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

await main();
