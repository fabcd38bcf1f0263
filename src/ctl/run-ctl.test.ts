// Goal: the parts of raftkvctl a real cluster cannot show on demand: a write is not sent to a
// second endpoint after the first may have received it, while a read is; `get` joins the
// pages of a range larger than one server page and honours --limit across pages.
// Method: two in-process gRPC servers implement raftkv.kv.v1.KV from the same protos: one
// answers every call with UNAVAILABLE, the other holds keys in a sorted Map and answers
// Range two pairs at a time, recording every request. runCtl() runs command lines against
// them with a terminal that captures output.

import * as grpc from "@grpc/grpc-js";
import type { PutRequest__Output } from "../gen/raftkv/kv/v1/PutRequest.js";
import type { RangeRequest__Output } from "../gen/raftkv/kv/v1/RangeRequest.js";
import type { RangeResponse } from "../gen/raftkv/kv/v1/RangeResponse.js";
import { raftkvProtos } from "../transport/proto-loading.js";
import { ctl } from "../../test/tools/ctl-capture.js";

const PAGE_PAIRS = 2;

interface FakeServer {
  readonly address: string;
  readonly puts: PutRequest__Output[];
  readonly ranges: RangeRequest__Output[];
  close(): Promise<void>;
}

function unavailable(_call: unknown, callback: grpc.sendUnaryData<never>): void {
  callback({ code: grpc.status.UNAVAILABLE, details: "no leader" });
}

/** Range over `store` (keys compared as strings: the tests use ASCII), PAGE_PAIRS a page. */
function rangeOf(store: Map<string, Buffer>, request: RangeRequest__Output): RangeResponse {
  const keys = [...store.keys()].sort().filter((key) =>
    request.range_end === ""
      ? key === request.key
      : key >= request.key && (request.range_end === "\0" || key < request.range_end));
  const requested = Number(request.limit);
  const limit = requested === 0 ? PAGE_PAIRS : Math.min(requested, PAGE_PAIRS);
  const page = keys.slice(0, limit);
  return {
    header: { cluster_id: 1, member_id: 1, raft_term: 1, revision: 1 },
    kvs: page.map((key) => ({ key, value: store.get(key)!, version: 1 })),
    more: keys.length > page.length,
    count: keys.length,
  };
}

async function startServer(kind: "unavailable" | "store"): Promise<FakeServer> {
  const server = new grpc.Server();
  const store = new Map<string, Buffer>();
  const puts: PutRequest__Output[] = [];
  const ranges: RangeRequest__Output[] = [];
  const handlers: grpc.UntypedServiceImplementation = kind === "unavailable"
    ? { Put: unavailable, Get: unavailable, Delete: unavailable, Range: unavailable }
    : {
        Put: (
          call: grpc.ServerUnaryCall<PutRequest__Output, unknown>,
          callback: grpc.sendUnaryData<unknown>,
        ) => {
          puts.push(call.request);
          store.set(call.request.key, call.request.value);
          callback(null, { header: {} });
        },
        Get: unavailable,
        Delete: unavailable,
        Range: (
          call: grpc.ServerUnaryCall<RangeRequest__Output, unknown>,
          callback: grpc.sendUnaryData<unknown>,
        ) => {
          ranges.push(call.request);
          callback(null, rangeOf(store, call.request));
        },
      };
  server.addService(raftkvProtos().grpcObject.raftkv.kv.v1.KV.service, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    puts,
    ranges,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

describe("raftkvctl failover and paging against fake servers", () => {
  let refusing: FakeServer | undefined;
  let serving: FakeServer | undefined;

  beforeAll(async () => {
    refusing = await startServer("unavailable");
    serving = await startServer("store");
  });

  afterAll(async () => {
    await refusing?.close();
    await serving?.close();
  });

  const servers = (): { refusing: FakeServer; serving: FakeServer } => {
    if (refusing === undefined || serving === undefined) throw new Error("servers not started");
    return { refusing, serving };
  };
  const endpoints = (...list: FakeServer[]): string[] =>
    ["--endpoints", list.map((server) => server.address).join(",")];

  test("a read that gets UNAVAILABLE moves on to the next endpoint", async () => {
    const { refusing, serving } = servers();
    expect(await ctl([...endpoints(serving), "put", "only", "1"])).toMatchObject({ code: 0 });
    const got = await ctl([...endpoints(refusing, serving), "get", "only"]);
    expect(got).toEqual({ code: 0, stdout: "only\n1\n", stderr: "" });
  });

  test("a write that gets UNAVAILABLE after it was sent is not sent again", async () => {
    const { refusing, serving } = servers();
    const putsBefore = serving.puts.length;
    const put = await ctl([...endpoints(refusing, serving), "put", "once", "v"]);
    expect(put).toEqual({
      code: 1, stdout: "", stderr: `Error: UNAVAILABLE: ${refusing.address}: no leader\n`,
    });
    expect(serving.puts.length).toBe(putsBefore);
  });

  test("get joins pages until the range ends, and stops at --limit", async () => {
    const { serving } = servers();
    for (const key of ["p/1", "p/2", "p/3", "p/4", "p/5"]) {
      expect((await ctl([...endpoints(serving), "put", key, key.slice(2)])).code).toBe(0);
    }
    serving.ranges.length = 0;
    const all = await ctl([...endpoints(serving), "get", "p/", "--prefix", "--keys-only"]);
    expect(all).toEqual({ code: 0, stdout: "p/1\np/2\np/3\np/4\np/5\n", stderr: "" });
    expect(serving.ranges.map((r) => [r.key, r.range_end, r.limit]))
      .toEqual([["p/", "p0", "0"], ["p/2\0", "p0", "0"], ["p/4\0", "p0", "0"]]);

    serving.ranges.length = 0;
    const three = await ctl([...endpoints(serving), "get", "p/", "--prefix", "--limit", "3",
      "-w", "json"]);
    const parsed = JSON.parse(three.stdout) as { kvs: unknown[]; more: boolean; count: number };
    expect({ pairs: parsed.kvs.length, more: parsed.more, count: parsed.count })
      .toEqual({ pairs: 3, more: true, count: 5 });
    expect(serving.ranges.map((r) => r.limit)).toEqual(["3", "1"]);

    serving.ranges.length = 0;
    const counted = await ctl([...endpoints(serving), "get", "p/", "--prefix", "--count-only"]);
    expect(counted.stdout).toBe("5\n");
    expect(serving.ranges.map((r) => [r.limit, r.keys_only])).toEqual([["1", true]]);
  });
});
