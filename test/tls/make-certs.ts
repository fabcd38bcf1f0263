// Certificates for TLS tests, made at test time with the openssl command line (Debian's
// `openssl` package), so no key material is checked in and nothing expires in the repo.
// Every key is EC P-256 and every certificate is valid for one day.

import { execFileSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its key on disk. */
export interface IssuedFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA on disk: its certificate (the bundle others trust) and its key. */
export interface CaFiles extends IssuedFiles {
  readonly name: string;
}

/** What makeTestCertificates() leaves in `dir`. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA every test member and client trusts. */
  readonly ca: CaFiles;
  /** Another CA that nobody trusts. */
  readonly otherCa: CaFiles;
  /** For 127.0.0.1 and localhost, issued by `ca`: a member's server and peer certificate. */
  readonly server: IssuedFiles;
  /** A client certificate (CN raftkv-test-client) issued by `ca`. */
  readonly client: IssuedFiles;
  /** A certificate for 127.0.0.1 issued by `otherCa`: a stranger posing as a member. */
  readonly stranger: IssuedFiles;
  /** Removes `dir`. */
  remove(): void;
}

/** Subject alternative names for a certificate that serves on the loopback address. */
export const LOOPBACK_SAN = "IP:127.0.0.1,DNS:localhost";

function openssl(dir: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A self-signed CA named `name` in `dir` (name.pem, name.key). */
export function makeCa(dir: string, name: string): CaFiles {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  openssl(dir, [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return { name, certFile, keyFile };
}

/**
 * Issues a certificate `name` (name.pem, name.key in `dir`) from `ca`, with a fresh random
 * serial number, for `san` when given. Without extendedKeyUsage, it is valid for both
 * server and client authentication. The files are written aside and renamed into place,
 * so a reader never sees a half-written one; the key is renamed first.
 */
export function issue(
  dir: string, name: string, ca: CaFiles, options: { san?: string } = {},
): IssuedFiles & { serialNumber: string } {
  const stem = join(dir, `${name}.new-${randomBytes(4).toString("hex")}`);
  openssl(dir, [
    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", `${stem}.key`, "-out", `${stem}.csr`, "-subj", `/CN=${name}`,
  ]);
  const extensions = ["basicConstraints=CA:FALSE"];
  if (options.san !== undefined) extensions.push(`subjectAltName=${options.san}`);
  writeFileSync(`${stem}.ext`, `${extensions.join("\n")}\n`);
  openssl(dir, [
    "x509", "-req", "-in", `${stem}.csr`, "-CA", ca.certFile, "-CAkey", ca.keyFile,
    "-set_serial", `0x${randomBytes(8).toString("hex")}`, "-days", "1",
    "-extfile", `${stem}.ext`, "-out", `${stem}.pem`,
  ]);
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  renameSync(`${stem}.key`, keyFile);
  renameSync(`${stem}.pem`, certFile);
  rmSync(`${stem}.csr`);
  rmSync(`${stem}.ext`);
  return { certFile, keyFile, serialNumber: serialOf(certFile) };
}

/** A certificate file's serial number as Node prints it (getPeerCertificate's form). */
export function serialOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).serialNumber;
}

/** Two CAs and the certificates the TLS tests need, in a new temp directory. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "raftkv-tls-"));
  const ca = makeCa(dir, "ca");
  const otherCa = makeCa(dir, "other-ca");
  return {
    dir, ca, otherCa,
    server: issue(dir, "server", ca, { san: LOOPBACK_SAN }),
    client: issue(dir, "client", ca),
    stranger: issue(dir, "stranger", otherCa, { san: LOOPBACK_SAN }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
