// Goal: grpcurl works against a raftkv client port with no .proto files at hand: it lists
// the services, describes them and calls them through server reflection; the known
// @grpc/reflection 1.0.4 descriptor traps (map<> fields, types from another file) are caught
// at startup rather than served; and the served descriptors carry only the options the
// .proto files state, so `describe` prints `string key = 1;` in grpcurl's own format.
// Method: descriptorProblems() and servedDefinition() on our protos and on small protos that
// fall into each trap; then a real grpc.Server on 127.0.0.1:0 with a tiny in-memory KV, a
// fixed Cluster status, the Health service and reflection, driven by a real grpcurl or the
// offline stand-in from ../shared/tools (test/tools/grpcurl.ts), and `describe` run with
// grpcurl's own command line and compared with grpcurl's output, line for line. Without
// either tool, those cases are skipped with the reason printed.

import { execFile } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { findGrpcurl, whyNoGrpcurl } from "../../test/tools/grpcurl.js";
import type { ClusterHandlers } from "../gen/raftkv/cluster/v1/Cluster.js";
import type { KVHandlers } from "../gen/raftkv/kv/v1/KV.js";
import { HealthService } from "./health-service.js";
import { loadPackageDefinition, raftkvProtos, SERVICE_NAMES } from "./proto-loading.js";
import {
  addReflection, CLIENT_SERVICES, descriptorProblems, servedDefinition,
} from "./reflection.js";

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

interface DecodedField {
  readonly name: string;
  readonly options?: Record<string, unknown> | null;
}

interface DecodedFile {
  readonly name: string;
  readonly options?: Record<string, unknown> | null;
  /** toObject() leaves out empty lists. */
  readonly messageType?: readonly { readonly field?: readonly DecodedField[] }[];
}

/** Every file the definition would serve, decoded to plain objects, by file name. */
function servedFiles(
  definition: ReturnType<typeof loadPackageDefinition>,
): Map<string, DecodedFile> {
  const files = new Map<string, DecodedFile>();
  for (const entry of Object.values(servedDefinition(definition))) {
    const protos = (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos ?? [];
    for (const bytes of protos) {
      const file = descriptor.FileDescriptorProto.toObject(
        descriptor.FileDescriptorProto.decode(bytes)) as DecodedFile;
      files.set(file.name, file);
    }
  }
  return files;
}

describe("servedDefinition()", () => {
  it("serves raftkv's protos with no field options, since none states one", () => {
    const files = servedFiles(raftkvProtos().packageDefinition);
    expect([...files.keys()].sort()).toEqual([
      "grpc_health/v1/health.proto", "raftkv/cluster/v1/cluster.proto",
      "raftkv/kv/v1/kv.proto", "raftkv/raft/v1/raft.proto",
    ]);
    const withOptions = [...files.values()].flatMap((file) => (file.messageType ?? [])
      .flatMap((message) => message.field ?? [])
      .filter((field) => field.options !== undefined && field.options !== null)
      .map((field) => `${file.name}: ${field.name} ${JSON.stringify(field.options)}`));
    expect(withOptions).toEqual([]);
    // File options the .proto states stay.
    expect(files.get("grpc_health/v1/health.proto")?.options)
      .toMatchObject({
        javaPackage: "io.grpc.health.v1", goPackage: "google.golang.org/grpc/health/grpc_health_v1",
      });
  });

  it("keeps the field options a .proto states and drops the packed ones protobufjs adds", () => {
    const definition = loadPackageDefinition({
      "o/v1/o.proto": 'syntax = "proto3"; package o.v1; message M { ' +
        "string old = 1 [deprecated = true]; repeated uint64 ids = 2; M next = 3; }",
    });
    const fields = servedFiles(definition).get("o/v1/o.proto")?.messageType?.[0]?.field;
    expect(fields?.map((field) => [field.name, field.options ?? null])).toEqual([
      ["old", { deprecated: true }], ["ids", null], ["next", null],
    ]);
  });
});

const grpcurl = findGrpcurl();
const describeWithGrpcurl = grpcurl === undefined ? describe.skip : describe;
if (grpcurl === undefined) {
  console.warn(`reflection.test.ts: grpcurl cases skipped: ${String(whyNoGrpcurl())}`);
}

/**
 * `describe` run with grpcurl's own command line, `-plaintext ADDR describe SYMBOL`, which the
 * stand-in also takes and then answers in grpcurl's layout, options included.
 * test/tools/grpcurl.ts gives the stand-in its older short form instead, whose describe prints
 * no options and so cannot show what this checks.
 */
function grpcurlDescribe(address: string, symbol: string): Promise<string> {
  const path = grpcurl!.path; // Only called in the suite that runs when grpcurl was found.
  return new Promise((done, fail) => {
    execFile(path, ["-plaintext", address, "describe", symbol], { timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error === null) done(stdout);
        else fail(new Error(`${path} describe ${symbol}: ${stderr.trim() || error.message}`));
      });
  });
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
  MemberAdd: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
  MemberPromote: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
  MemberRemove: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
  MemberUpdate: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
  TransferLeadership: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
  Snapshot: (call) => { call.emit("error", { code: grpc.status.UNIMPLEMENTED }); },
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

  // Named without `tool`: jest runs a skipped describe's body too, where grpcurl is missing.
  it(`lists the client services (${grpcurl?.description ?? "no grpcurl"})`, async () => {
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

  it("describes the vendored health proto exactly as grpcurl does", async () => {
    expect(await grpcurlDescribe(address, "grpc.health.v1.HealthCheckRequest")).toBe([
      "grpc.health.v1.HealthCheckRequest is a message:",
      "message HealthCheckRequest {",
      "  string service = 1;",
      "}",
      "",
    ].join("\n"));
    expect(await grpcurlDescribe(address, "grpc.health.v1.HealthCheckResponse")).toBe([
      "grpc.health.v1.HealthCheckResponse is a message:",
      "message HealthCheckResponse {",
      "  .grpc.health.v1.HealthCheckResponse.ServingStatus status = 1;",
      "  enum ServingStatus {",
      "    UNKNOWN = 0;",
      "    SERVING = 1;",
      "    NOT_SERVING = 2;",
      "    SERVICE_UNKNOWN = 3;",
      "  }",
      "}",
      "",
    ].join("\n"));
    expect(await grpcurlDescribe(address, "grpc.health.v1.Health")).toBe([
      "grpc.health.v1.Health is a service:",
      "service Health {",
      "  rpc Check ( .grpc.health.v1.HealthCheckRequest ) returns " +
        "( .grpc.health.v1.HealthCheckResponse );",
      "  rpc Watch ( .grpc.health.v1.HealthCheckRequest ) returns " +
        "( stream .grpc.health.v1.HealthCheckResponse );",
      "}",
      "",
    ].join("\n"));
  });

  it("describes raftkv's messages with only the options their .proto states (none)", async () => {
    const put = (await grpcurlDescribe(address, "raftkv.kv.v1.PutRequest")).split("\n");
    expect(put.slice(0, 4)).toEqual([
      "raftkv.kv.v1.PutRequest is a message:", "message PutRequest {",
      "  string key = 1;", "  bytes value = 2;",
    ]);
    const range = await grpcurlDescribe(address, "raftkv.kv.v1.RangeResponse");
    expect(range).toContain("\n  repeated .raftkv.kv.v1.KeyValue kvs = 2;\n");
    const members = await grpcurlDescribe(address, "raftkv.cluster.v1.MemberListResponse");
    expect(members).toContain("\n  repeated .raftkv.cluster.v1.Member members = 3;\n");
    const withOptions = [put.join("\n"), range, members].join("\n").split("\n")
      .filter((line) => line.includes("["));
    expect(withOptions).toEqual([]);
  });

  it("describes the KV service as grpcurl does: its methods in name order, one a line",
    async () => {
      const lines = (await grpcurlDescribe(address, "raftkv.kv.v1.KV")).split("\n");
      expect([lines.slice(0, 2), lines.slice(-2)]).toEqual([
        ["raftkv.kv.v1.KV is a service:", "service KV {"], ["}", ""],
      ]);
      const methods = lines.slice(2, -2).map((line) => {
        const name = /^ {2}rpc (\w+) /.exec(line)?.[1] ?? "?";
        const type = (suffix: string): string => `.raftkv.kv.v1.${name}${suffix}`;
        // Watch is the one server stream.
        const returns = name === "Watch" ? `stream ${type("Response")}` : type("Response");
        expect(line).toBe(`  rpc ${name} ( ${type("Request")} ) returns ( ${returns} );`);
        return name;
      });
      expect(methods).toEqual([...methods].sort());
      expect(methods).toEqual(expect.arrayContaining(["Delete", "Get", "Put", "Range"]));
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
