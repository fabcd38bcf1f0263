// Goal: grpcurl works against a member with no .proto files at hand, through server
// reflection alone: `list` shows every public service, `describe` of each service succeeds
// (grpcurl rejects a whole package when one reflected descriptor is malformed, e.g. the
// broken import and map<> descriptors of @grpc/reflection 1.0.4, issue #3), and a Put/Get
// round trip through reflection returns what was written.
// Method: test/tools/grpcurl.ts finds a real grpcurl on PATH or builds the offline stand-in
// from ../shared/tools, which validates descriptors with the same Go protobuf code; with
// neither, the test is skipped and its name says why. One member (a cluster of one) runs
// on loopback; the tool talks to its client port as a separate process.

import { findGrpcurl, whyNoGrpcurl, type GrpcurlTool } from "../tools/grpcurl.js";
import { ClusterHarness } from "./cluster-harness.js";

const SERVICES = ["raftkv.kv.v1.KV", "raftkv.cluster.v1.Cluster", "grpc.health.v1.Health"];

const grpcurl = findGrpcurl();

if (grpcurl === undefined) {
  test.skip(`grpcurl compatibility: skipped, ${whyNoGrpcurl() ?? "no grpcurl found"}`, () => {
    // Nothing to run without a grpcurl; the name above carries the reason.
  });
} else {
  describeWith(grpcurl);
}

function describeWith(tool: GrpcurlTool): void {
  describe(`grpcurl compatibility (${tool.description})`, () => {
    let cluster: ClusterHarness | undefined;
    let address = "";

    beforeAll(async () => {
      cluster = await ClusterHarness.start({ size: 1 });
      address = cluster.member(1).spec.clientAddress;
    });

    afterAll(async () => {
      await cluster?.destroy();
    });

    const withLogs = (body: () => Promise<void>) => (): Promise<void> => {
      if (cluster === undefined) throw new Error("the member did not start (see beforeAll)");
      return cluster.withLogs(body);
    };

    test("list shows the KV, Cluster and Health services", withLogs(async () => {
      const services = await tool.list(address);
      for (const service of SERVICES) expect(services).toContain(service);
    }));

    test("describe succeeds for every service and names its methods", withLogs(async () => {
      const kv = await tool.describe(address, "raftkv.kv.v1.KV");
      for (const method of ["Put", "Get", "Delete", "Range"]) {
        expect(kv).toMatch(new RegExp(`rpc ${method} ?\\(`));
      }
      expect(await tool.describe(address, "raftkv.cluster.v1.Cluster")).toMatch(/rpc Status ?\(/);
      expect(await tool.describe(address, "grpc.health.v1.Health")).toMatch(/rpc Check ?\(/);
      expect(await tool.describe(address, "raftkv.kv.v1.PutRequest")).toMatch(/value/);
    }));

    test("a Put then a Get round trip through reflection", withLogs(async () => {
      // JSON maps bytes to base64: "d29ybGQ=" is "world".
      const put = await tool.call(address, "raftkv.kv.v1.KV/Put",
        JSON.stringify({ key: "hello", value: "d29ybGQ=" })) as { header?: { revision?: string } };
      expect(Number(put.header?.revision)).toBeGreaterThan(0);
      const got = await tool.call(address, "raftkv.kv.v1.KV/Get", JSON.stringify({ key: "hello" })) as
        { kv?: { key?: string; value?: string; version?: string } };
      expect(got.kv).toMatchObject({ key: "hello", value: "d29ybGQ=", version: "1" });
      const health = await tool.call(address, "grpc.health.v1.Health/Check", "{}");
      expect(health).toEqual({ status: "SERVING" });
      const status = await tool.call(address, "raftkv.cluster.v1.Cluster/Status", "{}") as
        { member_id?: string; memberId?: string; role?: string };
      expect(status.role).toBe("ROLE_LEADER");
    }));
  });
}
