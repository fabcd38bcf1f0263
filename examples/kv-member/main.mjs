// A raftkv key-value member started from the library in plain JavaScript (ESM), then used as
// any gRPC client would use it, with the .proto files the package ships ("raftkv/proto/...").
// A cluster of one, on two free loopback ports, with its data in a temporary directory that
// is removed at the end. It prints one JSON line and exits 0; any failure exits non-zero.
//
// Run it after `npm run build` with `node examples/kv-member/main.mjs`; in a project that
// installed raftkv, @grpc/grpc-js and @grpc/proto-loader, the same file runs unchanged.

import { Buffer } from "node:buffer";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { JsonLogger, loadSettings, startMember } from "raftkv";

/** Deadline of each call; a Put waits up to this long for the member to elect itself. */
const CALL_DEADLINE_MS = 10_000;

/** A TCP port that was free a moment ago on 127.0.0.1 (bound to port 0, then released). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A KV client built from the package's own kv.proto, with the loader options raftkv uses. */
function kvClient(address) {
  const protoPath = createRequire(import.meta.url).resolve("raftkv/proto/raftkv/kv/v1/kv.proto");
  const definition = protoLoader.loadSync(protoPath, {
    keepCase: true, longs: String, defaults: true, oneofs: false,
  });
  const { KV } = grpc.loadPackageDefinition(definition).raftkv.kv.v1;
  return new KV(address, grpc.credentials.createInsecure());
}

function call(client, method, request) {
  const deadline = new Date(Date.now() + CALL_DEADLINE_MS);
  return promisify(client[method].bind(client))(request, { deadline });
}

const dataDir = mkdtempSync(join(tmpdir(), "raftkv-example-"));
const peerPort = await freePort();
const clientPort = await freePort();
const settings = loadSettings(new Map([
  ["--id", "1"],
  ["--data-dir", dataDir],
  ["--listen-peer", `127.0.0.1:${String(peerPort)}`],
  ["--listen-client", `127.0.0.1:${String(clientPort)}`],
  ["--tick-ms", "10"],
]), {});
const member = await startMember(settings, new JsonLogger("warn"));
const client = kvClient(member.clientAddress);
try {
  const put = await call(client, "Put", { key: "greeting", value: Buffer.from("hello") });
  const got = await call(client, "Get", { key: "greeting" });
  process.stdout.write(`${JSON.stringify({
    member: member.clientAddress,
    put_revision: put.header.revision,
    key: got.kv.key,
    value: got.kv.value.toString(),
    role: member.node.status().role,
  })}\n`);
} finally {
  client.close();
  await member.close();
  rmSync(dataDir, { recursive: true, force: true });
}
