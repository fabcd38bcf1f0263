// Goal: the membership and leadership verbs (member add/promote/remove/update, move-leader)
// send the request their command line describes, print what etcdctl prints, refuse bad
// arguments with exit 2 before any call, report a server's refusal as one `Error:` line
// with exit 1, and are never sent to a second endpoint once one may have received them;
// member list and status show the new columns (auto-promote, snapshot receiving, removed).
// Method: in-process gRPC servers on 127.0.0.1 port 0 implement raftkv.cluster.v1.Cluster
// from the same protos: one records every request and answers from a fixed configuration,
// one answers every call with UNAVAILABLE. runCtl() runs command lines against them with a
// terminal that captures output; a "dead" endpoint is a port that was freed.

import * as grpc from "@grpc/grpc-js";
import type { Member } from "../gen/raftkv/cluster/v1/Member.js";
import { raftkvProtos } from "../transport/proto-loading.js";
import { ctl, deadEndpoint, type Captured } from "../../test/tools/ctl-capture.js";

const MEMBERS: readonly Member[] = [
  { id: 1, peer_address: "127.0.0.1:7380", client_address: "127.0.0.1:7379", is_learner: false },
  {
    id: 4, peer_address: "127.0.0.1:7680", client_address: "127.0.0.1:7679", is_learner: true,
    auto_promote: true,
  },
];

interface FakeCluster {
  readonly address: string;
  /** Every call received, as [method, request]. */
  readonly calls: [string, unknown][];
  close(): Promise<void>;
}

type Handler = (call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>) => void;

function recordingHandlers(calls: [string, unknown][]): grpc.UntypedServiceImplementation {
  const answer = (method: string, response: (request: Record<string, unknown>) => unknown):
    Handler => (call, callback) => {
    calls.push([method, call.request]);
    const request = call.request as Record<string, unknown>;
    if (method === "MemberPromote" && request.id === "5") {
      callback({
        code: grpc.status.FAILED_PRECONDITION, details: "learner 5 is 120 entries behind",
      });
      return;
    }
    callback(null, response(request));
  };
  const members = (): unknown => ({ cluster_id: 77, member_id: 1, members: MEMBERS });
  return {
    MemberAdd: answer("MemberAdd", members),
    MemberPromote: answer("MemberPromote", members),
    MemberRemove: answer("MemberRemove", members),
    MemberUpdate: answer("MemberUpdate", members),
    MemberList: answer("MemberList", members),
    TransferLeadership: answer("TransferLeadership", (request) => ({
      cluster_id: 77, member_id: 1, leader_id: request.target_id === "0" ? 2 : request.target_id,
    })),
    Status: answer("Status", () => ({
      cluster_id: 77, member_id: 4, role: 1, is_learner: true, term: 3, leader_id: 1,
      commit_index: 10, applied_index: 10, last_log_index: 10, snapshot_index: 0,
      snapshot_receiving_index: 120, snapshot_received_bytes: 4096,
      snapshot_receiving_total_bytes: 65536, removed: true,
    })),
  };
}

function unavailableHandlers(calls: [string, unknown][]): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of ["MemberAdd", "MemberPromote", "MemberRemove", "MemberUpdate",
    "MemberList", "TransferLeadership", "Status"]) {
    handlers[method] = ((call, callback) => {
      calls.push([method, call.request]);
      callback({ code: grpc.status.UNAVAILABLE, details: "no leader" });
    }) satisfies Handler;
  }
  return handlers;
}

async function startCluster(kind: "recording" | "unavailable"): Promise<FakeCluster> {
  const server = new grpc.Server();
  const calls: [string, unknown][] = [];
  server.addService(raftkvProtos().grpcObject.raftkv.cluster.v1.Cluster.service,
    kind === "recording" ? recordingHandlers(calls) : unavailableHandlers(calls));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

describe("membership and leadership verbs against fake Cluster servers", () => {
  let recording: FakeCluster | undefined;
  let refusing: FakeCluster | undefined;
  let dead = "";

  beforeAll(async () => {
    recording = await startCluster("recording");
    refusing = await startCluster("unavailable");
    dead = await deadEndpoint();
  });

  afterAll(async () => {
    await recording?.close();
    await refusing?.close();
  });

  const servers = (): { recording: FakeCluster; refusing: FakeCluster } => {
    if (recording === undefined || refusing === undefined) throw new Error("not started");
    return { recording, refusing };
  };
  /** Runs against the recording server and returns the one call it received. */
  const oneCall = async (args: readonly string[]): Promise<[Captured, [string, unknown]]> => {
    const { recording } = servers();
    recording.calls.length = 0;
    const result = await ctl(["--endpoints", recording.address, ...args]);
    expect(recording.calls).toHaveLength(1);
    return [result, recording.calls[0]!];
  };

  test("member add sends a learner by default, a voter with --voter, auto-promote", async () => {
    const [added, [method, request]] = await oneCall(["member", "add", "4",
      "--peer-urls", "127.0.0.1:7680", "--client-urls", "127.0.0.1:7679"]);
    expect(added).toEqual({ code: 0, stdout: "Member 4 added to cluster 77\n", stderr: "" });
    expect(method).toBe("MemberAdd");
    expect(request).toEqual({ id: "4", peer_address: "127.0.0.1:7680",
      client_address: "127.0.0.1:7679", as_voter: false, auto_promote: false });

    const [, [, voter]] = await oneCall(["member", "add", "5", "--voter",
      "--peer-urls", "[::1]:1", "--client-urls", "h.example:2"]);
    expect(voter).toMatchObject({ id: "5", as_voter: true, auto_promote: false });
    const [, [, auto]] = await oneCall(["member", "add", "6", "--learner", "--auto-promote",
      "--peer-urls", "a:1", "--client-urls", "b:2"]);
    expect(auto).toMatchObject({ id: "6", as_voter: false, auto_promote: true });
  });

  test("promote, remove (--force), update and move-leader send what they say", async () => {
    const [promoted, promote] = await oneCall(["member", "promote", "4"]);
    expect(promoted.stdout).toBe("Member 4 promoted in cluster 77\n");
    expect(promote).toEqual(["MemberPromote", { id: "4" }]);
    const [removed, remove] = await oneCall(["member", "remove", "2"]);
    expect(removed.stdout).toBe("Member 2 removed from cluster 77\n");
    expect(remove).toEqual(["MemberRemove", { id: "2", force: false }]);
    expect((await oneCall(["member", "remove", "2", "--force"]))[1])
      .toEqual(["MemberRemove", { id: "2", force: true }]);
    const [updated, update] = await oneCall(["member", "update", "3",
      "--peer-urls", "10.0.0.3:7380", "--client-urls", "10.0.0.3:7379"]);
    expect(updated.stdout).toBe("Member 3 updated in cluster 77\n");
    expect(update).toEqual(["MemberUpdate",
      { id: "3", peer_address: "10.0.0.3:7380", client_address: "10.0.0.3:7379" }]);

    const [moved, move] = await oneCall(["move-leader", "3"]);
    expect(moved).toEqual({ code: 0, stdout: "Leadership transferred to 3\n", stderr: "" });
    expect(move).toEqual(["TransferLeadership", { target_id: "3" }]);
    const [picked, pick] = await oneCall(["move-leader", "-w", "json"]);
    expect(JSON.parse(picked.stdout)).toEqual({ cluster_id: 77, member_id: 1, leader_id: 2 });
    expect(pick).toEqual(["TransferLeadership", { target_id: "0" }]);
  });

  test("-w json prints the members after the change, auto_promote included", async () => {
    const [result] = await oneCall(["member", "promote", "4", "-w", "json"]);
    expect(JSON.parse(result.stdout)).toEqual({
      cluster_id: 77, member_id: 1, members: [
        { id: 1, peer_address: "127.0.0.1:7380", client_address: "127.0.0.1:7379",
          is_learner: false, auto_promote: false },
        { id: 4, peer_address: "127.0.0.1:7680", client_address: "127.0.0.1:7679",
          is_learner: true, auto_promote: true },
      ],
    });
  });

  test("member list has the AUTO PROMOTE column; status shows receiving and removed", async () => {
    const [list] = await oneCall(["member", "list"]);
    expect(list.stdout).toBe("1, 127.0.0.1:7380, 127.0.0.1:7379, false, false\n" +
      "4, 127.0.0.1:7680, 127.0.0.1:7679, true, true\n");
    const [table] = await oneCall(["member", "list", "-w", "table"]);
    expect(table.stdout).toMatch(/\| IS LEARNER \| AUTO PROMOTE \|\n/);

    const { recording } = servers();
    const status = await ctl(["--endpoints", recording.address, "status"]);
    expect(status.stdout).toBe(`${recording.address}, 4, follower, 1, 3, 10, 10, 10, 0, true, ` +
      "120 4096/65536, true\n");
    const json = await ctl(["--endpoints", recording.address, "status", "-w", "json"]);
    expect((JSON.parse(json.stdout) as { status: unknown }).status).toMatchObject({
      snapshot_receiving_index: 120, snapshot_received_bytes: 4096,
      snapshot_receiving_total_bytes: 65536, removed: true,
    });
  });

  test("a server's refusal is one Error line and exit 1", async () => {
    const { recording } = servers();
    const [refused] = await oneCall(["member", "promote", "5"]);
    expect(refused).toEqual({
      code: 1, stdout: "",
      stderr: `Error: FAILED_PRECONDITION: ${recording.address}: learner 5 is 120 entries behind\n`,
    });
  });

  test("a membership write is not sent again after UNAVAILABLE, but is after no connection",
    async () => {
      const { recording, refusing } = servers();
      for (const args of [["member", "add", "4", "--peer-urls", "a:1", "--client-urls", "b:2"],
        ["member", "promote", "4"], ["member", "remove", "4"], ["move-leader"],
        ["member", "update", "4", "--peer-urls", "a:1", "--client-urls", "b:2"]]) {
        recording.calls.length = 0;
        refusing.calls.length = 0;
        const sent = await ctl(["--endpoints", `${refusing.address},${recording.address}`,
          ...args]);
        expect({ args, code: sent.code, stderr: sent.stderr }).toEqual({
          args, code: 1, stderr: `Error: UNAVAILABLE: ${refusing.address}: no leader\n`,
        });
        expect({ args, refused: refusing.calls.length, resent: recording.calls.length })
          .toEqual({ args, refused: 1, resent: 0 });

        const notSent = await ctl(["--endpoints", `${dead},${recording.address}`,
          "--dial-timeout", "1s", ...args]);
        expect({ args, code: notSent.code }).toEqual({ args, code: 0 });
        expect(recording.calls).toHaveLength(1);
      }
    });

  test("bad arguments exit 2 with a usage line, before any call", async () => {
    const { recording } = servers();
    recording.calls.length = 0;
    const cases: [string[], RegExp][] = [
      [["member", "add", "0", "--peer-urls", "a:1", "--client-urls", "b:2"], /member id must/],
      [["member", "add", "x4", "--peer-urls", "a:1", "--client-urls", "b:2"], /member id must/],
      [["member", "add", "9007199254740992", "--peer-urls", "a:1", "--client-urls", "b:2"],
        /member id must/],
      [["member", "add", "4", "--client-urls", "b:2"], /--peer-urls is required/],
      [["member", "add", "4", "--peer-urls", "a:1"], /--client-urls is required/],
      [["member", "add", "4", "--peer-urls", "http://a:1", "--client-urls", "b:2"],
        /no scheme/],
      [["member", "add", "4", "--peer-urls", "a:1,b:2", "--client-urls", "b:2"],
        /one host:port/],
      [["member", "add", "4", "--peer-urls", "a:1", "--client-urls", "b:2", "--voter",
        "--learner"], /cannot both/],
      [["member", "add", "4", "--peer-urls", "a:1", "--client-urls", "b:2", "--voter",
        "--auto-promote"], /--auto-promote is for a learner/],
      [["member", "update", "4", "--peer-urls", "a:1"], /--client-urls is required/],
      [["member", "promote", "-1"], /unknown flag|member id must/],
      [["member", "remove", "4", "--voter"], /unknown flag for member remove: --voter/],
      [["move-leader", "0"], /member id must/],
      [["move-leader", "1", "2"], /unexpected argument "2"/],
      [["member", "frob"], /did you mean member list, member add/],
    ];
    for (const [args, message] of cases) {
      const result = await ctl(["--endpoints", recording.address, ...args]);
      expect({ args, code: result.code, stdout: result.stdout })
        .toEqual({ args, code: 2, stdout: "" });
      const [error, usage] = result.stderr.split("\n");
      expect(error).toMatch(message);
      expect(usage).toMatch(/^Usage: raftkvctl /);
    }
    expect(recording.calls).toEqual([]);
  });
});
