// Goal: grpcurl works against a raftkv client port with no .proto files at hand: it lists
// the services, describes them and calls them through server reflection, and the known
// @grpc/reflection 1.0.4 descriptor traps (map<> fields, types from another file) are
// caught at startup rather than served.
// Method: descriptorProblems() on our protos and on small protos that fall into each trap;
// then a real grpc.Server on 127.0.0.1:0 with a tiny in-memory KV, a fixed Cluster status,
// the Health service and reflection, driven by a real grpcurl or the offline stand-in from
// ../shared/tools (test/tools/grpcurl.ts). Without either, those cases are skipped with the
// reason printed.

import * as grpc from "@grpc/grpc-js";
import { findGrpcurl, whyNoGrpcurl } from "../../test/tools/grpcurl.js";
import type { ClusterHandlers } from "../gen/raftkv/cluster/v1/Cluster.js";
import type { KVHandlers } from "../gen/raftkv/kv/v1/KV.js";
import { HealthService } from "./health-service.js";
import { loadPackageDefinition, raftkvProtos, SERVICE_NAMES } from "./proto-loading.js";
import { addReflection, CLIENT_SERVICES, descriptorProblems } from "./reflection.js";

describe("descriptorProblems()", () => {
  it("finds none in raftkv's protos", () => {
    expect(descriptorProblems(raftkvProtos().packageDefinition)).toEqual([]);
  });

  it("finds a map<> field, whose entry type grpcurl would reject", () => {
    const definition = loadPackageDefinition({
      "m/v1/m.proto":
        'syntax = "proto3"; package m.v1; message M { map<string, int32> my_counts = 1; }',
    });
    expect(descriptorProblems(definition).join("\n")).toMatch(/m\/v1\/m\.proto: .* map entry/);
    expect(() => addReflection(new grpc.Server(), [], definition)).toThrow(/map entry/);
  });

  it("finds a type used from another file, whose dependency list would be empty", () => {
    const definition = loadPackageDefinition({
      "a/v1/a.proto": 'syntax = "proto3"; package a.v1; message When { int64 seconds = 1; }',
      "b/v1/b.proto": 'syntax = "proto3"; package b.v1; message Event { a.v1.When at = 1; }',
    });
    expect(descriptorProblems(definition)).toEqual([
      expect.stringMatching(/^b\/v1\/b\.proto: \.b\.v1\.Event\.at uses .*When from another file/),
    ]);
  });
});

const grpcurl = findGrpcurl();
const describeWithGrpcurl = grpcurl === undefined ? describe.skip : describe;
if (grpcurl === undefined) {
  console.warn(`reflection.test.ts: grpcurl cases skipped: ${String(whyNoGrpcurl())}`);
}

/** A KV that keeps values in a Map: just enough to show a call round trip. */
function fakeKv(): KVHandlers {
  const values = new Map<string, Buffer>();
  const header = { cluster_id: 7, member_id: 1, raft_term: 2, revision: 0 };
  return {
    Put: (call, callback) => {
      values.set(call.request.key, call.request.value);
      header.revision += 1;
      callback(null, { header: { ...header } });
    },
    Get: (call, callback) => {
      const value = values.get(call.request.key);
      const kv = value === undefined ? null : {
        key: call.request.key, value, create_revision: 1, mod_revision: 1, version: 1,
      };
      callback(null, { header: { ...header }, kv });
    },
    Delete: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    Range: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    Txn: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    Watch: (call) => { call.emit("error", { code: grpc.status.UNIMPLEMENTED }); },
  };
}

const fakeCluster: ClusterHandlers = {
  Status: (_call, callback) => callback(null, { cluster_id: 7, member_id: 1, role: 4, term: 2 }),
  MemberList: (_call, callback) => callback(null, { cluster_id: 7, member_id: 1, members: [] }),
};

describeWithGrpcurl("server reflection, through grpcurl", () => {
  const tool = grpcurl!;
  const server = new grpc.Server();
  let address = "";

  beforeAll(async () => {
    const protos = raftkvProtos().grpcObject;
    server.addService(protos.raftkv.kv.v1.KV.service, fakeKv());
    server.addService(protos.raftkv.cluster.v1.Cluster.service, fakeCluster);
    const health = new HealthService({ services: [""], watchersMax: 4 });
    health.addToServer(server);
    health.setStatus("", "serving");
    addReflection(server);
    const port = await new Promise<number>((done, fail) => {
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error === null) done(bound);
        else fail(error);
      });
    });
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => {
    server.forceShutdown();
  });

  it(`lists the client services (${tool.description})`, async () => {
    expect((await tool.list(address)).sort()).toEqual([...CLIENT_SERVICES].sort());
  });

  it("describes the KV service and its messages", async () => {
    const service = await tool.describe(address, SERVICE_NAMES.kv);
    for (const method of ["Put", "Get", "Delete", "Range"]) {
      const input = `\\.raftkv\\.kv\\.v1\\.${method}Request`;
      expect(service).toMatch(new RegExp(`rpc ${method} \\( ${input} \\)`));
    }
    const message = await tool.describe(address, "raftkv.kv.v1.PutRequest");
    expect(message).toMatch(/string key = 1;/);
    expect(message).toMatch(/bytes value = 2;/);
  });

  it("calls Put, then Get, with JSON", async () => {
    const value = Buffer.from("hello, raftkv").toString("base64");
    const put = await tool.call(address, "raftkv.kv.v1.KV/Put",
      JSON.stringify({ key: "greeting", value }));
    const header = { clusterId: "7", memberId: "1", raftTerm: "2", revision: "1" };
    expect(put).toEqual({ header });
    const get = await tool.call(address, "raftkv.kv.v1.KV/Get",
      JSON.stringify({ key: "greeting" }));
    expect(get).toMatchObject({ kv: { key: "greeting", value } });
  });

  it("calls Health and Cluster", async () => {
    expect(await tool.call(address, "grpc.health.v1.Health/Check", "{}"))
      .toEqual({ status: "SERVING" });
    expect(await tool.call(address, "raftkv.cluster.v1.Cluster/Status", "{}"))
      .toMatchObject({ role: "ROLE_LEADER", term: "2" });
  });
});
