import type { NodeId } from "../../src/core/ids.js";
import { members } from "../../src/core/membership-config.js";
import type { SimCluster } from "./sim-cluster.js";
import type { SimMember } from "./sim-member.js";

/**
 * Convergence after healing (docs/testing.md, Convergence and liveness): there is a leader,
 * every member of its configuration runs, has applied everything the leader committed, and holds
 * the same map. Returns what is not yet true, or undefined once converged.
 */
export function finalChecks(cluster: SimCluster): string | undefined {
  const leader = cluster.leader();
  if (leader === undefined) return "no leader after healing";
  const commit = leader.status().commitIndex;
  const expected = leader.kv.digest();
  if (leader.kv.appliedIndex !== commit) return `leader ${leader.id} applied ${leader.kv.appliedIndex} of commit ${commit}`;
  for (const id of members(leader.node.membership())) {
    const node = runningNode(cluster, id);
    if (node === undefined) return `member ${id} is not running after healing`;
    if (node.kv.appliedIndex !== commit) return `member ${id} applied ${node.kv.appliedIndex}, leader committed ${commit}`;
    const digest = node.kv.digest();
    if (digest !== expected) return `member ${id} diverged at applied ${commit}: ${digest} vs leader ${expected}`;
  }
  return undefined;
}

/**
 * Liveness after healing (docs/testing.md, Convergence and liveness): exactly one leader
 * among the members, known to all of them in its term, with its whole log committed and applied
 * everywhere.
 */
export function livenessChecks(cluster: SimCluster): string | undefined {
  const leader = cluster.leader();
  if (leader === undefined) return "no leader";
  const config = leader.node.membership();
  const status = leader.status();
  const leaders = cluster.running().filter((node) => node.status().role === "leader" && members(config).includes(node.id));
  if (leaders.length !== 1) return `${leaders.length} leaders among the members`;
  if (status.commitIndex !== status.lastIndex) return `leader ${leader.id} committed ${status.commitIndex} of ${status.lastIndex}`;
  for (const id of members(config)) {
    const node = runningNode(cluster, id);
    if (node === undefined) return `member ${id} is not running`;
    const other = node.status();
    if (other.term !== status.term || other.leader !== leader.id) {
      return `member ${id} is in term ${other.term} following ${other.leader}, leader ${leader.id} is in ${status.term}`;
    }
  }
  return finalChecks(cluster);
}

function runningNode(cluster: SimCluster, id: NodeId): SimMember | undefined {
  return cluster.running().find((node) => node.id === id);
}
