import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { memberIdArgument } from "./member-arguments.js";
import { uint64Json, writeJson } from "./output.js";
import { RPCS } from "./rpcs.js";

/**
 * `move-leader [ID]`: hands leadership to voter ID, or, with no ID, to the most caught-up
 * voter (Cluster/TransferLeadership, routed to the leader, answering once the new leader
 * is known). Like etcdctl's `move-leader`, except that the target is optional. A transfer
 * is a write: it is not sent to a second endpoint once one may have received it.
 */
export const MOVE_LEADER_COMMAND: CommandSpec = {
  name: "move-leader",
  summary: "hand leadership to voter ID (default: the most caught-up voter)",
  args: [{ name: "ID", optional: true }],
  flags: [],
  outputs: ["simple", "json"],
  notes: [
    "Prints \"Leadership transferred to LEADER_ID\"; -w json prints",
    "{\"cluster_id\":...,\"member_id\":...,\"leader_id\":...} (member_id: who answered).",
  ],
  run: runMoveLeader,
};

async function runMoveLeader(input: CommandInput, context: CommandContext): Promise<void> {
  const [idText] = input.args;
  // target_id 0 asks the leader to pick the most caught-up voter.
  const targetId = idText === undefined ? "0" : memberIdArgument(idText, input.usage);
  const { response } = await context.client.call(RPCS.transferLeadership, {
    target_id: targetId,
  });
  if (input.globals.output === "json") {
    writeJson(context.terminal, {
      cluster_id: uint64Json(response.cluster_id),
      member_id: uint64Json(response.member_id),
      leader_id: uint64Json(response.leader_id),
    });
  } else {
    context.terminal.stdout(`Leadership transferred to ${response.leader_id}\n`);
  }
}
