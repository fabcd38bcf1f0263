// Goal: issue #9's TLS, end to end. Three members with mutual TLS on both ports elect a
// leader and serve writes (a follower forwards them over the peer port's TLS) to grpc-js
// and raftkvctl clients that present a certificate; a client without a certificate, one
// with a certificate from another CA, a plaintext client, and a stranger on the peer port
// with a certificate from another CA are all refused; a member's replaced certificate files
// are served to new connections without a restart, by file change and on SIGHUP; and bad
// TLS flags stop a member at startup with one line naming the flag; and Node's warning about
// TLS to an IP address is not printed as free text.
// Method: certificates made by openssl at test time (test/tls/make-certs.ts), one peer and
// one client-port certificate per member; ClusterHarness with per-member TLS flags and TLS
// client credentials; raftkvctl as a child process; tls.connect to read the certificate a
// new connection is served (its serial number).

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import {
  issue, LOOPBACK_SAN, makeTestCertificates, type IssuedFiles, type TestCertificates,
} from "../tls/make-certs.js";
import { ClusterHarness } from "./cluster-harness.js";
import { RaftkvClient } from "./raftkv-client.js";
import { raftkvBinary, repoRoot } from "./repo-paths.js";
import { waitUntil } from "./wait-until.js";

/** Member 2 reloads only on SIGHUP (its timer is an hour); the others every 200 ms. */
const SIGHUP_MEMBER = 2;
const QUICK_DEADLINE_MS = 3000;

let certs: TestCertificates;
let cluster: ClusterHarness | undefined;

function mustCluster(): ClusterHarness {
  if (cluster === undefined) throw new Error("the cluster did not start");
  return cluster;
}

/** Member `id`'s peer-port and client-port certificates. */
function memberFiles(id: number): { peer: IssuedFiles; client: IssuedFiles } {
  return {
    peer: { certFile: join(certs.dir, `peer-${id}.pem`), keyFile: join(certs.dir, `peer-${id}.key`) },
    client: {
      certFile: join(certs.dir, `client-port-${id}.pem`),
      keyFile: join(certs.dir, `client-port-${id}.key`),
    },
  };
}

function tlsFlags(id: number): string[] {
  const files = memberFiles(id);
  return [
    "--peer-cert", files.peer.certFile, "--peer-key", files.peer.keyFile,
    "--peer-ca", certs.ca.certFile,
    "--client-cert", files.client.certFile, "--client-key", files.client.keyFile,
    "--client-ca", certs.ca.certFile,
    ...(id === SIGHUP_MEMBER ? ["--tls-reload-ms", "3600000"] : []),
  ];
}

/** TLS credentials from PEM files; no certificate when `identity` is undefined. */
function credentialsOf(caFile: string, identity?: IssuedFiles): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(readFileSync(caFile),
    identity === undefined ? null : readFileSync(identity.keyFile),
    identity === undefined ? null : readFileSync(identity.certFile));
}

/** The serial number of the certificate a new TLS connection to `address` is served. */
function servedSerial(address: string): Promise<string> {
  const [host, port] = address.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host, port: Number(port), ca: readFileSync(certs.ca.certFile), ALPNProtocols: ["h2"],
      cert: readFileSync(certs.client.certFile), key: readFileSync(certs.client.keyFile),
    }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** "ok" or the status name of a Status call to `address` with `credentials`. */
async function statusOutcome(
  address: string, credentials: grpc.ChannelCredentials,
): Promise<string> {
  const client = new RaftkvClient(address, {}, credentials);
  try {
    await client.status({ deadlineMs: QUICK_DEADLINE_MS });
    return "ok";
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "number" ? grpc.status[code] ?? String(code) : String(error);
  } finally {
    client.close();
  }
}

function run(
  script: string, args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  certs = makeTestCertificates();
  for (const id of [1, 2, 3]) {
    issue(certs.dir, `peer-${id}`, certs.ca, { san: LOOPBACK_SAN });
    issue(certs.dir, `client-port-${id}`, certs.ca, { san: LOOPBACK_SAN });
  }
  cluster = await ClusterHarness.start({
    size: 3, extraFlags: ["--tls-reload-ms", "200"], memberFlags: tlsFlags,
    clientCredentials: credentialsOf(certs.ca.certFile, certs.client),
  });
});

afterAll(async () => {
  await cluster?.destroy();
  certs.remove();
});

test("a TLS cluster elects a leader and serves writes sent to a follower", async () => {
  const c = mustCluster();
  await c.withLogs(async () => {
    const leader = await c.waitForLeader();
    const follower = c.ids().find((id) => id !== leader)!;
    await c.client(follower).put({ key: "tls", value: Buffer.from("on") });
    const got = await c.client(leader).get({ key: "tls" });
    expect(got.kv?.value.toString()).toBe("on");
    // Members reach their peers by IP over TLS; Node's warning about that (DEP0123) is
    // expected, so it goes to the JSON log at debug level, not as free text on stderr.
    for (const id of c.ids()) {
      const stderr = readFileSync(c.member(id).stderrPath, "utf8");
      expect(stderr).not.toMatch(/DeprecationWarning|\(node:\d+\)/);
    }
  });
});

test("raftkvctl with --cacert, --cert and --key puts and gets", async () => {
  const c = mustCluster();
  const ctl = join(repoRoot(), "dist", "src", "ctl", "main.js");
  const endpoints = c.ids().map((id) => c.member(id).spec.clientAddress).join(",");
  const tls = ["--cacert", certs.ca.certFile, "--cert", certs.client.certFile,
    "--key", certs.client.keyFile, "--endpoints", endpoints];
  const put = await run(ctl, [...tls, "put", "ctl-tls", "yes"]);
  // No DEP0123 warning about TLS to an IP address: expected, so not printed.
  expect(put).toEqual({ code: 0, stdout: "OK\n", stderr: "" });
  const got = await run(ctl, [...tls, "get", "ctl-tls"]);
  expect(got).toMatchObject({ code: 0, stdout: "ctl-tls\nyes\n" });
  const without = await run(ctl, ["--cacert", certs.ca.certFile, "--endpoints", endpoints,
    "get", "ctl-tls"]);
  expect(without.code).toBe(1);
});

test("refused: no client certificate, another CA's, plaintext, a stranger peer", async () => {
  const c = mustCluster();
  const clientPort = c.member(1).spec.clientAddress;
  const peerPort = c.member(1).spec.peerAddress;
  expect(await statusOutcome(clientPort, credentialsOf(certs.ca.certFile, certs.client)))
    .toBe("ok");
  expect(await statusOutcome(clientPort, credentialsOf(certs.ca.certFile))).toBe("UNAVAILABLE");
  expect(await statusOutcome(clientPort, credentialsOf(certs.ca.certFile, certs.stranger)))
    .toBe("UNAVAILABLE");
  expect(await statusOutcome(clientPort, grpc.credentials.createInsecure())).toBe("UNAVAILABLE");
  // The peer port serves Cluster too: a member's certificate is let in, a stranger's is not.
  expect(await statusOutcome(peerPort, credentialsOf(certs.ca.certFile, memberFiles(3).peer)))
    .toBe("ok");
  expect(await statusOutcome(peerPort, credentialsOf(certs.ca.certFile, certs.stranger)))
    .toBe("UNAVAILABLE");
  expect(await statusOutcome(peerPort, grpc.credentials.createInsecure())).toBe("UNAVAILABLE");
});

test("replaced certificate files are served without a restart: on change and on SIGHUP", async () => {
  const c = mustCluster();
  await c.withLogs(async () => {
    const watched = c.member(1);
    const renewed = issue(certs.dir, "client-port-1", certs.ca, { san: LOOPBACK_SAN });
    await waitUntil("member 1 to serve its renewed certificate", 5000, async () =>
      (await servedSerial(watched.spec.clientAddress)) === renewed.serialNumber ? true : undefined);
    const hup = c.member(SIGHUP_MEMBER);
    const before = await servedSerial(hup.spec.clientAddress);
    const renewedHup = issue(certs.dir, `client-port-${SIGHUP_MEMBER}`, certs.ca,
      { san: LOOPBACK_SAN });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await servedSerial(hup.spec.clientAddress)).toBe(before);
    c.signal(SIGHUP_MEMBER, "SIGHUP");
    await waitUntil("member 2 to serve its renewed certificate", 5000, async () =>
      (await servedSerial(hup.spec.clientAddress)) === renewedHup.serialNumber ? true : undefined);
    expect(c.runningIds()).toEqual([1, 2, 3]);
    await c.client(1).put({ key: "after-reload", value: Buffer.from("1") });
  });
});

test("bad TLS flags stop a member at startup with one line naming the flag", async () => {
  const half = await run(raftkvBinary(), ["--peer-cert", certs.server.certFile]);
  expect(half.code).toBe(1);
  expect(half.stderr).toBe(`raftkv: --peer-cert ${certs.server.certFile}: needs --peer-key too\n`);
  const mismatched = await run(raftkvBinary(), ["--client-cert", certs.server.certFile,
    "--client-key", certs.client.keyFile, "--data-dir", join(certs.dir, "unused")]);
  expect(mismatched.code).toBe(1);
  expect(mismatched.stderr).toMatch(
    new RegExp(`^raftkv: --client-key ${certs.client.keyFile}: does not match the certificate`));
});
