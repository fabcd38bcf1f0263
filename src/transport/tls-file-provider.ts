import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates } from "node:tls";
import { X509Certificate } from "node:crypto";
import type { experimental } from "@grpc/grpc-js";

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** The PEM files of one port's TLS: this side's certificate and key, and whom it trusts. */
export interface TlsFiles {
  /** This side's certificate chain (PEM), leaf first. */
  readonly certFile: string;
  /** The private key of certFile's leaf (PEM). */
  readonly keyFile: string;
  /**
   * The CA bundle (PEM) that verifies the other side. On a server it also makes TLS mutual:
   * a caller must present a certificate it issued. Undefined: servers ask callers for no
   * certificate, and clients verify servers against Node's bundled root CAs.
   */
  readonly caFile: string | undefined;
}

/** Which of TlsFiles a problem is with, so the caller can name its flag. */
export type TlsFileRole = "cert" | "key" | "ca";

/**
 * A file that cannot be read, is not PEM, or a key that does not match its certificate.
 * `port` names the member's port whose files these are, once known (tls.ts).
 */
export class TlsFilesError extends Error {
  constructor(
    readonly role: TlsFileRole, readonly path: string, message: string,
    readonly port?: "peer" | "client",
  ) {
    super(message);
    this.name = "TlsFilesError";
  }
}

/** The bytes of TlsFiles, read together and checked to make a usable pair. */
interface TlsMaterial {
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
  /** caFile's bytes, or Node's root CAs when there is none. */
  readonly caCertificate: Buffer;
}

/** What reload() did; `serialNumber` is the leaf certificate's, in hex, as Node prints it. */
export type ReloadOutcome =
  | { readonly kind: "unchanged" }
  | { readonly kind: "reloaded"; readonly serialNumber: string; readonly validTo: string }
  | { readonly kind: "refused"; readonly error: TlsFilesError };

/**
 * A grpc-js CertificateProvider (experimental API, grpc-js >= 1.10) over TlsFiles, with a
 * reload() that its owner calls on a timer and on SIGHUP. grpc-js's own
 * FileWatcherCertificateProvider polls too, but offers no way to reload at once, reads
 * nothing until the first connection (a server refuses connections until then), and passes
 * on a half-rotated pair (new certificate, old key) that makes the server refuse every
 * connection; this one reads and checks the files in its constructor, and reload() keeps
 * the pair in use unless the new files make a valid one.
 *
 * Listeners hear the current material on the next tick after they are added (the order
 * grpc-js's server credentials rely on: they register their own watcher after adding the
 * listener) and again after each reload that changed something. Connections established
 * before a reload keep the certificates they negotiated; new ones use the new files.
 */
export class TlsFileProvider implements CertificateProvider {
  private material: TlsMaterial;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();

  /** Throws TlsFilesError when the files cannot be read or do not make a valid pair. */
  constructor(readonly files: TlsFiles) {
    this.material = readMaterial(files);
  }

  /** The leaf certificate's serial number (hex) and expiry, for logs. */
  describe(): { serialNumber: string; validTo: string } {
    const leaf = new X509Certificate(this.material.certificate);
    return { serialNumber: leaf.serialNumber, validTo: leaf.validTo };
  }

  /** Reads the files again; publishes them when they changed and make a valid pair. */
  reload(): ReloadOutcome {
    let next: TlsMaterial;
    try {
      next = readMaterial(this.files);
    } catch (error: unknown) {
      if (error instanceof TlsFilesError) return { kind: "refused", error };
      throw error;
    }
    const previous = this.material;
    const identityChanged = !next.certificate.equals(previous.certificate) ||
      !next.privateKey.equals(previous.privateKey);
    const caChanged = !next.caCertificate.equals(previous.caCertificate);
    if (!identityChanged && !caChanged) return { kind: "unchanged" };
    this.material = next;
    if (caChanged) for (const listener of this.caListeners) listener(this.caUpdate());
    if (identityChanged) {
      for (const listener of this.identityListeners) listener(this.identityUpdate());
    }
    return { kind: "reloaded", ...this.describe() };
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    process.nextTick(() => {
      if (this.caListeners.has(listener)) listener(this.caUpdate());
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(() => {
      if (this.identityListeners.has(listener)) listener(this.identityUpdate());
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private caUpdate(): experimental.CaCertificateUpdate {
    return { caCertificate: this.material.caCertificate };
  }

  private identityUpdate(): experimental.IdentityCertificateUpdate {
    return { certificate: this.material.certificate, privateKey: this.material.privateKey };
  }
}

/** Reads TlsFiles and checks them the way a TLS handshake would use them. */
function readMaterial(files: TlsFiles): TlsMaterial {
  const certificate = readPem(files.certFile, "cert", "CERTIFICATE");
  const privateKey = readPem(files.keyFile, "key", "PRIVATE KEY");
  const caCertificate = files.caFile === undefined
    ? Buffer.from(rootCertificates.join("\n"))
    : readPem(files.caFile, "ca", "CERTIFICATE");
  try {
    new X509Certificate(certificate); // Parses, or throws.
  } catch (error: unknown) {
    throw new TlsFilesError("cert", files.certFile, `not a PEM certificate (${messageOf(error)})`);
  }
  try {
    createSecureContext({ cert: certificate, key: privateKey });
  } catch (error: unknown) {
    throw new TlsFilesError("key", files.keyFile,
      `does not match the certificate ${files.certFile} (${messageOf(error)})`);
  }
  try {
    createSecureContext({ ca: caCertificate });
  } catch (error: unknown) {
    throw new TlsFilesError("ca", files.caFile ?? "", `not a PEM CA bundle (${messageOf(error)})`);
  }
  return { certificate, privateKey, caCertificate };
}

/** A file's bytes; it must hold a PEM block whose label ends with `label`. */
function readPem(path: string, role: TlsFileRole, label: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error: unknown) {
    throw new TlsFilesError(role, path, `cannot read it (${messageOf(error)})`);
  }
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(bytes.toString("latin1"))) {
    throw new TlsFilesError(role, path, `holds no PEM block "${label}"`);
  }
  return bytes;
}

function messageOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}
