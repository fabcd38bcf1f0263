// Goal: the credentials of transport/tls.ts do what the flags promise. With a CA, a server
// is mutual: a client with a certificate from that CA is served; one without a certificate,
// one with a certificate from another CA, and a plaintext one are refused. Without a CA,
// TLS is one-way. A reload publishes changed files to new connections only when they make a
// valid pair, and bad files are refused with the file they concern.
// Method: certificates made by openssl in a temp dir (test/tls/make-certs.ts); a grpc-js
// server with one raw-bytes echo method on 127.0.0.1:0; grpc-js clients with each kind of
// credentials; tls.connect to read the certificate a new connection is served.

import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import {
  issue, LOOPBACK_SAN, makeTestCertificates, type TestCertificates,
} from "../../test/tls/make-certs.js";
import {
  channelCredentials, serverCredentials, startMemberTls, TlsFileProvider, TlsFilesError,
  type ReloadOutcome,
} from "./tls.js";

const identity = (bytes: Buffer): Buffer => bytes;
const ECHO: grpc.ServiceDefinition = {
  Echo: {
    path: "/test.Echo/Echo", requestStream: false, responseStream: false,
    requestSerialize: identity, requestDeserialize: identity,
    responseSerialize: identity, responseDeserialize: identity,
  },
};
const EchoClient = grpc.makeGenericClientConstructor(ECHO, "Echo");

let certs: TestCertificates;

beforeAll(() => {
  certs = makeTestCertificates();
});

afterAll(() => {
  certs.remove();
});

async function startServer(credentials: grpc.ServerCredentials): Promise<{
  address: string; server: grpc.Server;
}> {
  const server = new grpc.Server();
  server.addService(ECHO, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
      done(null, call.request);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  return { address: `127.0.0.1:${String(port)}`, server };
}

/** "ok", or the status code name of the failed call. */
async function echo(address: string, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = new EchoClient(address, credentials);
  try {
    return await new Promise<string>((resolve) => {
      client.makeUnaryRequest("/test.Echo/Echo", identity, identity, Buffer.from("hi"),
        { deadline: Date.now() + 3000 }, (error, answer) => {
          if (error === null && answer?.toString() === "hi") resolve("ok");
          else resolve(grpc.status[error?.code ?? grpc.status.UNKNOWN]);
        });
    });
  } finally {
    client.close();
  }
}

/** The serial number of the certificate a new TLS connection to `address` is served. */
function servedSerial(address: string, caFile: string): Promise<string> {
  const [host, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host, port: Number(port), ca: readFileSync(caFile), ALPNProtocols: ["h2"],
      cert: readFileSync(certs.client.certFile), key: readFileSync(certs.client.keyFile),
    }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** The TlsFilesError `body` throws. */
function thrown(body: () => unknown): TlsFilesError {
  try {
    body();
  } catch (error: unknown) {
    if (error instanceof TlsFilesError) return error;
    throw error;
  }
  throw new Error("nothing was thrown");
}

function provider(files: { certFile: string; keyFile: string }, caFile?: string): TlsFileProvider {
  return new TlsFileProvider({ ...files, caFile });
}

describe("a mutual TLS server (a CA given)", () => {
  let served: { address: string; server: grpc.Server };

  beforeAll(async () => {
    served = await startServer(serverCredentials(provider(certs.server, certs.ca.certFile)));
  });

  afterAll(() => {
    served.server.forceShutdown();
  });

  test("serves a client whose certificate the CA issued", async () => {
    const credentials = channelCredentials(provider(certs.client, certs.ca.certFile));
    expect(await echo(served.address, credentials)).toBe("ok");
  });

  test("refuses a client without a certificate, from another CA, or in plaintext", async () => {
    const ca = readFileSync(certs.ca.certFile);
    expect(await echo(served.address, grpc.credentials.createSsl(ca))).toBe("UNAVAILABLE");
    const stranger = channelCredentials(provider(certs.stranger, certs.ca.certFile));
    expect(await echo(served.address, stranger)).toBe("UNAVAILABLE");
    expect(await echo(served.address, grpc.credentials.createInsecure())).toBe("UNAVAILABLE");
  });

  test("a client refuses a server its CA did not issue", async () => {
    const credentials = channelCredentials(provider(certs.client, certs.otherCa.certFile));
    expect(await echo(served.address, credentials)).toBe("UNAVAILABLE");
  });
});

test("without a CA, TLS is one-way: a client with no certificate is served", async () => {
  const { address, server } = await startServer(serverCredentials(provider(certs.server)));
  try {
    const ca = readFileSync(certs.ca.certFile);
    expect(await echo(address, grpc.credentials.createSsl(ca))).toBe("ok");
    expect(await echo(address, grpc.credentials.createInsecure())).toBe("UNAVAILABLE");
  } finally {
    server.forceShutdown();
  }
});

test("reload: new connections get changed files; a half-rotated pair is refused", async () => {
  const own = issue(certs.dir, "reloading", certs.ca, { san: LOOPBACK_SAN });
  const files = provider(own, certs.ca.certFile);
  const { address, server } = await startServer(serverCredentials(files));
  const client = channelCredentials(provider(certs.client, certs.ca.certFile));
  try {
    expect(await servedSerial(address, certs.ca.certFile)).toBe(own.serialNumber);
    expect(files.reload()).toEqual({ kind: "unchanged" });
    const renewed = issue(certs.dir, "reloading", certs.ca, { san: LOOPBACK_SAN });
    expect(renewed.serialNumber).not.toBe(own.serialNumber);
    expect(files.reload()).toMatchObject({ kind: "reloaded", serialNumber: renewed.serialNumber });
    expect(await servedSerial(address, certs.ca.certFile)).toBe(renewed.serialNumber);
    expect(await echo(address, client)).toBe("ok");
    // A new certificate whose key has not arrived yet: the pair in use stays.
    copyFileSync(certs.server.certFile, own.certFile);
    const refused = files.reload();
    expect(refused).toMatchObject({ kind: "refused", error: { role: "key" } });
    expect(await servedSerial(address, certs.ca.certFile)).toBe(renewed.serialNumber);
  } finally {
    server.forceShutdown();
  }
});

test("startMemberTls reloads on its timer and names the port of a bad file", async () => {
  const own = issue(certs.dir, "timed", certs.ca, { san: LOOPBACK_SAN });
  const outcomes: { port: string; outcome: ReloadOutcome }[] = [];
  const tls = startMemberTls({ peer: { ...own, caFile: certs.ca.certFile }, client: undefined },
    50, (port, outcome) => outcomes.push({ port, outcome }));
  try {
    expect(tls.enabled).toBe(true);
    expect(tls.describe().peer).toMatchObject({ mutual: true, serialNumber: own.serialNumber });
    const renewed = issue(certs.dir, "timed", certs.ca, { san: LOOPBACK_SAN });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({
      port: "peer", outcome: { kind: "reloaded", serialNumber: renewed.serialNumber },
    });
  } finally {
    tls.close();
  }
  const missing = join(certs.dir, "missing.pem");
  expect(thrown(() => startMemberTls({ peer: undefined, client: { ...certs.server,
    certFile: missing, caFile: undefined } }, 1000, () => undefined)))
    .toMatchObject({ port: "client", role: "cert", path: missing });
});

test("a key that does not match, or a file that is not PEM, is refused at once", () => {
  const notPem = join(certs.dir, "not-pem.txt");
  writeFileSync(notPem, "hello\n");
  const mismatched = { certFile: certs.server.certFile, keyFile: certs.client.keyFile };
  expect(thrown(() => provider(mismatched))).toMatchObject({ role: "key" });
  expect(thrown(() => provider(certs.server, notPem))).toMatchObject({ role: "ca" });
  expect(thrown(() => provider({ ...certs.server, certFile: notPem })))
    .toMatchObject({ role: "cert" });
  expect(startMemberTls({ peer: undefined, client: undefined }, 1000, () => undefined).enabled)
    .toBe(false);
});
