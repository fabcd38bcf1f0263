// Goal: SIGTERM stops a member promptly even while a client that stopped reading (a frozen
// process, SIGSTOP) holds a stream open: the drain lets calls finish for a grace period,
// then cancels them and exits 0, instead of waiting for that client.
// Method: one member; a separate Node process opens a Watch on it and is then stopped with
// SIGSTOP (by its PID); the member gets SIGTERM and must exit with status 0 within 10 s
// (the grace period is 2 s per port). The client is resumed and killed afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { ClusterHarness } from "./cluster-harness.js";
import { repoRoot } from "./repo-paths.js";

/** A client that opens a Watch and prints "watching" once its stream is created. */
const WATCHER = `
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
const definition = loader.loadSync(["raftkv/kv/v1/kv.proto"], {
  includeDirs: ["proto"], keepCase: true, longs: String, defaults: true,
});
const kv = grpc.loadPackageDefinition(definition).raftkv.kv.v1;
const client = new kv.KV(process.argv[1], grpc.credentials.createInsecure());
const stream = client.Watch({ key: "a", range_end: "b" });
stream.once("data", () => console.log("watching"));
stream.on("error", () => undefined);
`;

describe("stopping a member while a client is frozen", () => {
  let cluster: ClusterHarness | undefined;
  let watcher: ChildProcess | undefined;

  afterAll(async () => {
    if (watcher?.pid !== undefined && watcher.exitCode === null) {
      watcher.kill("SIGCONT");
      watcher.kill("SIGKILL");
    }
    await cluster?.destroy();
  });

  test("SIGTERM still ends the member, with status 0, in seconds", async () => {
    cluster = await ClusterHarness.start({ size: 1 });
    const address = cluster.member(1).spec.clientAddress;
    const child = spawn(process.execPath, ["--input-type=module", "-e", WATCHER, address], {
      cwd: repoRoot(), stdio: ["ignore", "pipe", "inherit"],
    });
    watcher = child;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("watching")) resolve();
      });
      child.once("exit", () => reject(new Error("the watching client exited")));
    });
    child.kill("SIGSTOP");
    const exit = await cluster.terminate(1, 10_000);
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
