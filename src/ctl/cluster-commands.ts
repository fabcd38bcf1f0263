import { Role } from "../gen/raftkv/cluster/v1/Role.js";
import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { CallError, PartialFailure } from "./errors.js";
import { renderTable, uint64Json, writeJson, type Json } from "./output.js";
import { RPCS, type Member, type StatusResponse } from "./rpcs.js";

const STATUS_COLUMNS: readonly string[] = [
  "ENDPOINT", "ID", "ROLE", "LEADER", "TERM", "COMMIT INDEX", "APPLIED INDEX", "LAST INDEX",
  "SNAPSHOT INDEX", "IS LEARNER", "RECEIVING SNAPSHOT", "REMOVED",
];

const MEMBER_COLUMNS: readonly string[] = [
  "ID", "PEER ADDRESS", "CLIENT ADDRESS", "IS LEARNER", "AUTO PROMOTE",
];

/**
 * `status`: the Raft state of every endpoint (Cluster/Status, served by each member
 * itself, never forwarded). An endpoint that does not answer gets an error line on stderr
 * and makes the command exit 1, after the others are printed.
 */
export const STATUS_COMMAND: CommandSpec = {
  name: "status",
  summary: "the Raft state of each endpoint: id, role, leader, term, indexes",
  args: [],
  flags: [],
  outputs: ["simple", "json", "table"],
  notes: [
    `Columns: ${STATUS_COLUMNS.join(", ")}. LEADER is 0 when the member knows no leader.`,
    "RECEIVING SNAPSHOT is \"INDEX RECEIVED/TOTAL\" (bytes) while the member receives a",
    "snapshot from the leader, else \"-\". REMOVED is true once the member learned it was",
    "removed from the cluster (it serves nothing more).",
    "Asks every endpoint; exits 1 when one of them does not answer.",
  ],
  run: runStatus,
};

/** `member list`: the configuration one member knows (the first endpoint that answers). */
export const MEMBER_LIST_COMMAND: CommandSpec = {
  name: "member list",
  summary: "the members of the cluster, as the first endpoint that answers knows them",
  args: [],
  flags: [],
  outputs: ["simple", "json", "table"],
  notes: [
    `Columns: ${MEMBER_COLUMNS.join(", ")}. AUTO PROMOTE: a learner the leader promotes`,
    "by itself once it has caught up.",
  ],
  run: runMemberList,
};

const ROLE_NAMES: Readonly<Record<number, string>> = {
  [Role.ROLE_UNSPECIFIED]: "unspecified",
  [Role.ROLE_FOLLOWER]: "follower",
  [Role.ROLE_PRE_CANDIDATE]: "pre-candidate",
  [Role.ROLE_CANDIDATE]: "candidate",
  [Role.ROLE_LEADER]: "leader",
};

async function runStatus(input: CommandInput, context: CommandContext): Promise<void> {
  const { client, terminal } = context;
  const outcomes = await Promise.all(client.endpoints.map(async (endpoint) => {
    try {
      return { endpoint, status: await client.callEndpoint(endpoint, RPCS.status, {}) };
    } catch (error: unknown) {
      if (error instanceof CallError) return { endpoint, error };
      throw error;
    }
  }));
  const answered: { endpoint: string; status: StatusResponse }[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === undefined) terminal.stderr(`${outcome.error.describe()}\n`);
    else answered.push({ endpoint: outcome.endpoint, status: outcome.status });
  }
  switch (input.globals.output) {
    case "json":
      for (const { endpoint, status } of answered) {
        writeJson(terminal, { endpoint, status: statusJson(status) });
      }
      break;
    case "table":
      terminal.stdout(renderTable(STATUS_COLUMNS, answered.map(statusRow)));
      break;
    case "simple":
      for (const row of answered.map(statusRow)) terminal.stdout(`${row.join(", ")}\n`);
      break;
  }
  const failed = outcomes.length - answered.length;
  if (failed > 0) {
    throw new PartialFailure(`${failed} of ${outcomes.length} endpoints did not answer`);
  }
}

function statusRow(answer: { endpoint: string; status: StatusResponse }): string[] {
  const { status } = answer;
  return [
    answer.endpoint, status.member_id, roleName(status.role), status.leader_id, status.term,
    status.commit_index, status.applied_index, status.last_log_index, status.snapshot_index,
    String(status.is_learner), receivingCell(status), String(status.removed),
  ];
}

/** `INDEX RECEIVED/TOTAL` while a snapshot is being received, else `-`. */
function receivingCell(status: StatusResponse): string {
  if (status.snapshot_receiving_index === "0") return "-";
  return `${status.snapshot_receiving_index} ${status.snapshot_received_bytes}/` +
    status.snapshot_receiving_total_bytes;
}

function statusJson(status: StatusResponse): Json {
  return {
    cluster_id: uint64Json(status.cluster_id),
    member_id: uint64Json(status.member_id),
    role: roleName(status.role),
    is_learner: status.is_learner,
    term: uint64Json(status.term),
    leader_id: uint64Json(status.leader_id),
    commit_index: uint64Json(status.commit_index),
    applied_index: uint64Json(status.applied_index),
    last_log_index: uint64Json(status.last_log_index),
    snapshot_index: uint64Json(status.snapshot_index),
    client_address: status.client_address,
    peer_address: status.peer_address,
    snapshot_receiving_index: uint64Json(status.snapshot_receiving_index),
    snapshot_received_bytes: uint64Json(status.snapshot_received_bytes),
    snapshot_receiving_total_bytes: uint64Json(status.snapshot_receiving_total_bytes),
    removed: status.removed,
  };
}

function roleName(role: number): string {
  return ROLE_NAMES[role] ?? `role ${String(role)}`;
}

async function runMemberList(input: CommandInput, context: CommandContext): Promise<void> {
  const { response } = await context.client.call(RPCS.memberList, {});
  const { terminal } = context;
  switch (input.globals.output) {
    case "json":
      writeJson(terminal, membersResponseJson(response));
      break;
    case "table":
      terminal.stdout(renderTable(MEMBER_COLUMNS, response.members.map(memberRow)));
      break;
    case "simple":
      for (const row of response.members.map(memberRow)) terminal.stdout(`${row.join(", ")}\n`);
      break;
  }
}

function memberRow(member: Member): string[] {
  return [
    member.id, member.peer_address, member.client_address, String(member.is_learner),
    String(member.auto_promote),
  ];
}

/** What MemberList and every membership change answer: who answered, and the members. */
export interface MembersResponse {
  readonly cluster_id: string;
  readonly member_id: string;
  readonly members: readonly Member[];
}

/** `{"cluster_id":...,"member_id":...,"members":[...]}`, for member list and changes. */
export function membersResponseJson(response: MembersResponse): Json {
  return {
    cluster_id: uint64Json(response.cluster_id),
    member_id: uint64Json(response.member_id),
    members: response.members.map(memberJson),
  };
}

function memberJson(member: Member): Json {
  return {
    id: uint64Json(member.id),
    peer_address: member.peer_address,
    client_address: member.client_address,
    is_learner: member.is_learner,
    auto_promote: member.auto_promote,
  };
}
