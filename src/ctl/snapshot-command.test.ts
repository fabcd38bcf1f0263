// Goal: `snapshot save FILE` writes exactly the bytes the member streamed, and only once
// they are proven whole: contiguous offsets, the announced size and the announced SHA-256.
// A stream with a wrong hash, a gap, a short end, a silence longer than --command-timeout
// or a server error fails (exit 1) and leaves neither FILE nor FILE.part; an existing FILE
// is refused (exit 2) unless --overwrite; the bytes reach FILE.part while the stream runs.
// Method: an in-process gRPC server on 127.0.0.1 port 0 serves raftkv.cluster.v1.Cluster's
// Snapshot from the same protos, streaming a fixed 3.5 KB payload in 1 KB chunks in the way
// the test sets (`mode`). runCtl() runs command lines against it in a temp directory.

import * as grpc from "@grpc/grpc-js";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { SnapshotChunk } from "../gen/raftkv/cluster/v1/SnapshotChunk.js";
import { raftkvProtos } from "../transport/proto-loading.js";
import { ctl, deadEndpoint, type Captured } from "../../test/tools/ctl-capture.js";

const CHUNK_BYTES = 1024;
const PAYLOAD = Buffer.from(Array.from({ length: 3584 }, (_, i) => (i * 7 + 3) % 256));
const PAYLOAD_SHA256 = createHash("sha256").update(PAYLOAD).digest("hex");

type Mode = "good" | "bad-sha" | "gap" | "short" | "stall" | "error" | "no-info";
let mode: Mode = "good";

/** The chunks of PAYLOAD as `mode` says to send them. */
function chunksFor(current: Mode): SnapshotChunk[] {
  const chunks: SnapshotChunk[] = [];
  for (let offset = 0; offset < PAYLOAD.length; offset += CHUNK_BYTES) {
    chunks.push({ offset, data: PAYLOAD.subarray(offset, offset + CHUNK_BYTES) });
  }
  const sha256 = current === "bad-sha" ? "0".repeat(64) : PAYLOAD_SHA256;
  if (current !== "no-info") {
    chunks[0] = { ...chunks[0], info: { index: 120, term: 3, size_bytes: PAYLOAD.length, sha256 } };
  }
  if (current === "gap") chunks.splice(1, 1);
  if (current === "short") chunks.pop();
  return chunks;
}

function serveSnapshot(call: grpc.ServerWritableStream<unknown, SnapshotChunk>): void {
  const current = mode;
  const chunks = chunksFor(current);
  if (current === "stall") {
    call.write(chunks[0]!); // Then nothing: the client's idle deadline must end it.
    return;
  }
  for (const chunk of chunks) call.write(chunk);
  if (current === "error") {
    call.emit("error", {
      code: grpc.status.RESOURCE_EXHAUSTED, details: "too many snapshots in progress",
    });
    return;
  }
  call.end();
}

describe("snapshot save against a fake Cluster/Snapshot server", () => {
  const server = new grpc.Server();
  let address = "";
  let directory = "";

  beforeAll(async () => {
    server.addService(raftkvProtos().grpcObject.raftkv.cluster.v1.Cluster.service,
      { Snapshot: serveSnapshot });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error === null) resolve(bound);
        else reject(error);
      });
    });
    address = `127.0.0.1:${port}`;
    directory = mkdtempSync(join(tmpdir(), "raftkvctl-snapshot-"));
  });

  afterAll(async () => {
    server.forceShutdown();
    rmSync(directory, { recursive: true, force: true });
    await sleep(0);
  });

  const save = (file: string, ...flags: string[]): Promise<Captured> =>
    ctl(["--endpoints", address, "snapshot", "save", join(directory, file), ...flags]);

  test("saves the streamed bytes and prints index, term, size and sha256", async () => {
    mode = "good";
    const file = join(directory, "good.db");
    const result = await save("good.db");
    expect(result).toEqual({
      code: 0, stderr: "", stdout: `Snapshot saved at ${file}: index 120, term 3, ` +
        `${PAYLOAD.length} bytes, sha256 ${PAYLOAD_SHA256}\n`,
    });
    expect(readFileSync(file).equals(PAYLOAD)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const json = await save("good.json.db", "-w", "json");
    expect(JSON.parse(json.stdout)).toEqual({
      file: join(directory, "good.json.db"), endpoint: address, index: 120, term: 3,
      size_bytes: PAYLOAD.length, sha256: PAYLOAD_SHA256,
    });
  });

  test("an existing FILE is refused (exit 2, untouched) unless --overwrite", async () => {
    mode = "good";
    const file = join(directory, "existing.db");
    writeFileSync(file, "keep me");
    const refused = await save("existing.db");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^Error: .*existing\.db exists; pass --overwrite .*\nUsage: /);
    expect(readFileSync(file, "utf8")).toBe("keep me");
    expect((await save("existing.db", "--overwrite")).code).toBe(0);
    expect(readFileSync(file).equals(PAYLOAD)).toBe(true);
  });

  test.each([
    ["bad-sha",
      /^Error: DATA_LOSS: .*the bytes have sha256 [0-9a-f]{64}, not the announced 0{64}\n$/],
    ["gap", /^Error: DATA_LOSS: .*expected offset 1024, got 2048\n$/],
    ["short", /^Error: DATA_LOSS: .*ended after 3072 of 3584 bytes\n$/],
    ["no-info", /^Error: DATA_LOSS: .*the first message carries no metadata\n$/],
    ["error", /^Error: RESOURCE_EXHAUSTED: .*too many snapshots in progress\n$/],
  ] as const)("a %s stream fails with exit 1 and leaves no file", async (failing, message) => {
    mode = failing;
    const file = join(directory, `${failing}.db`);
    const result = await save(`${failing}.db`);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 1, stdout: "" });
    expect(result.stderr).toMatch(message);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.part`)).toBe(false);
  });

  test("bytes go to FILE.part as they arrive; a silent stream times out and cleans up",
    async () => {
      mode = "stall";
      const file = join(directory, "stall.db");
      const running = ctl(["--endpoints", address, "--command-timeout", "1s",
        "snapshot", "save", file]);
      const deadline = Date.now() + 5000;
      let partBytes = 0;
      while (partBytes < CHUNK_BYTES && Date.now() < deadline) {
        await sleep(20);
        partBytes = existsSync(`${file}.part`) ? statSync(`${file}.part`).size : 0;
      }
      expect(partBytes).toBe(CHUNK_BYTES);
      const result = await running;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^Error: DEADLINE_EXCEEDED: .*no snapshot data for 1000 ms/);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(`${file}.part`)).toBe(false);
    });

  test("a first endpoint that does not connect is skipped: the request never left", async () => {
    mode = "good";
    const file = join(directory, "failover.db");
    const result = await ctl(["--endpoints", `${await deadEndpoint()},${address}`,
      "snapshot", "save", file, "-w", "json"]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { endpoint: string }).endpoint).toBe(address);
  });

  test("FILE must be a file name, not a directory or a .part name", async () => {
    for (const bad of ["", `${directory}/`, join(directory, "x.part")]) {
      const result = await ctl(["--endpoints", address, "snapshot", "save", bad]);
      expect({ bad, code: result.code }).toEqual({ bad, code: 2 });
    }
  });
});
