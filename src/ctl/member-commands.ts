import { membersResponseJson, type MembersResponse } from "./cluster-commands.js";
import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { UsageError } from "./errors.js";
import { booleanFlag } from "./flags.js";
import { addressFlag, memberIdArgument } from "./member-arguments.js";
import { writeJson } from "./output.js";
import { RPCS } from "./rpcs.js";

/**
 * The membership changes: `member add`, `member promote`, `member remove` and `member
 * update`, as etcdctl's. Each is one Cluster call that the member receiving it routes to
 * the leader, which answers once the change is committed. They are writes: once an
 * endpoint may have received one, it is not sent to another (client.ts, README.md
 * "Failover"); a change whose answer was lost can be checked with `member list`.
 */

const CHANGE_NOTES: readonly string[] = [
  "Prints \"Member ID <what happened> cluster CLUSTER_ID\"; -w json prints the cluster's",
  "members after the change, as member list does.",
];

export const MEMBER_ADD_COMMAND: CommandSpec = {
  name: "member add",
  summary: "add a member (a learner unless --voter) at the given addresses",
  args: [{ name: "ID" }],
  flags: ["peer-urls", "client-urls", "learner", "voter", "auto-promote"],
  outputs: ["simple", "json"],
  notes: [
    "--peer-urls and --client-urls are required, each one host:port. A learner replicates",
    "the log without voting; promote it once it has caught up (member promote), or add it",
    "with --auto-promote to let the leader do so. Then start the member with an empty",
    "--data-dir. Adding an id already present at the same addresses changes nothing.",
    ...CHANGE_NOTES,
    "Example: raftkvctl member add 4 --peer-urls 10.0.0.4:7380 --client-urls 10.0.0.4:7379",
  ],
  run: runMemberAdd,
};

export const MEMBER_PROMOTE_COMMAND: CommandSpec = {
  name: "member promote",
  summary: "make a learner a voter, once it has caught up with the leader",
  args: [{ name: "ID" }],
  flags: [],
  outputs: ["simple", "json"],
  notes: [
    "Exits 1 with FAILED_PRECONDITION, saying how far behind, while the learner has not",
    "caught up; try again later.",
    ...CHANGE_NOTES,
  ],
  run: runMemberPromote,
};

export const MEMBER_REMOVE_COMMAND: CommandSpec = {
  name: "member remove",
  summary: "remove a member from the cluster",
  args: [{ name: "ID" }],
  flags: ["force"],
  outputs: ["simple", "json"],
  notes: [
    "Refused (FAILED_PRECONDITION) when the voters left would not have a quorum of members",
    "the leader reaches now, unless --force. Removing the leader hands leadership to",
    "another voter first.",
    ...CHANGE_NOTES,
  ],
  run: runMemberRemove,
};

export const MEMBER_UPDATE_COMMAND: CommandSpec = {
  name: "member update",
  summary: "change the addresses a member is reached at",
  args: [{ name: "ID" }],
  flags: ["peer-urls", "client-urls"],
  outputs: ["simple", "json"],
  notes: [
    "--peer-urls and --client-urls are both required: the member's new addresses.",
    ...CHANGE_NOTES,
  ],
  run: runMemberUpdate,
};

async function runMemberAdd(input: CommandInput, context: CommandContext): Promise<void> {
  const id = idArgument(input);
  const peerAddress = addressFlag(input.flags, "peer-urls", input.usage);
  const clientAddress = addressFlag(input.flags, "client-urls", input.usage);
  const asVoter = booleanFlag(input.flags, "voter");
  const autoPromote = booleanFlag(input.flags, "auto-promote");
  if (asVoter && booleanFlag(input.flags, "learner")) {
    throw new UsageError("--learner and --voter cannot both be given", input.usage);
  }
  if (asVoter && autoPromote) {
    throw new UsageError("--auto-promote is for a learner; a --voter needs no promotion",
      input.usage);
  }
  const { response } = await context.client.call(RPCS.memberAdd, {
    id, peer_address: peerAddress, client_address: clientAddress,
    as_voter: asVoter, auto_promote: autoPromote,
  });
  writeChange(input, context, response, `Member ${id} added to cluster`);
}

async function runMemberPromote(input: CommandInput, context: CommandContext): Promise<void> {
  const id = idArgument(input);
  const { response } = await context.client.call(RPCS.memberPromote, { id });
  writeChange(input, context, response, `Member ${id} promoted in cluster`);
}

async function runMemberRemove(input: CommandInput, context: CommandContext): Promise<void> {
  const id = idArgument(input);
  const force = booleanFlag(input.flags, "force");
  const { response } = await context.client.call(RPCS.memberRemove, { id, force });
  writeChange(input, context, response, `Member ${id} removed from cluster`);
}

async function runMemberUpdate(input: CommandInput, context: CommandContext): Promise<void> {
  const id = idArgument(input);
  const peerAddress = addressFlag(input.flags, "peer-urls", input.usage);
  const clientAddress = addressFlag(input.flags, "client-urls", input.usage);
  const { response } = await context.client.call(RPCS.memberUpdate, {
    id, peer_address: peerAddress, client_address: clientAddress,
  });
  writeChange(input, context, response, `Member ${id} updated in cluster`);
}

function idArgument(input: CommandInput): string {
  const [idText] = input.args;
  if (idText === undefined) throw new Error("args.ts checks arity");
  return memberIdArgument(idText, input.usage);
}

/** etcdctl's line, `Member 4 added to cluster 1234`; or the members after it, in JSON. */
function writeChange(
  input: CommandInput,
  context: CommandContext,
  response: MembersResponse,
  done: string,
): void {
  if (input.globals.output === "json") {
    writeJson(context.terminal, membersResponseJson(response));
  } else {
    context.terminal.stdout(`${done} ${response.cluster_id}\n`);
  }
}
