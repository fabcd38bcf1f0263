import * as grpc from "@grpc/grpc-js";
import {
  TlsFileProvider, TlsFilesError, type ReloadOutcome, type TlsFiles,
} from "./tls-file-provider.js";

export { TlsFileProvider, TlsFilesError, type ReloadOutcome, type TlsFiles, type TlsFileRole }
  from "./tls-file-provider.js";

/**
 * The TLS of a member's two ports. Undefined: that port is plaintext. The peer port's files
 * serve both directions: a member presents its peer certificate to the peers it calls, and
 * verifies them with the peer CA, so peer certificates must be valid for server and client
 * authentication (no extendedKeyUsage, or both serverAuth and clientAuth).
 */
export interface MemberTlsFiles {
  readonly peer: TlsFiles | undefined;
  readonly client: TlsFiles | undefined;
}

/**
 * What the server of one port binds with: plaintext without TLS files; TLS with them,
 * mutual (a caller must present a certificate the CA issued) when they name a CA.
 */
export function serverCredentials(provider: TlsFileProvider | undefined): grpc.ServerCredentials {
  if (provider === undefined) return grpc.ServerCredentials.createInsecure();
  const ca = provider.files.caFile === undefined ? null : provider;
  // grpc-js's parameter names are swapped: the first argument is the identity provider.
  return grpc.experimental.createCertificateProviderServerCredentials(provider, ca, ca !== null);
}

/**
 * What a caller of a port with `provider`'s files uses: it presents their certificate and
 * verifies the server against their CA (Node's root CAs when they name none). Plaintext
 * without files. One object serves every channel, and follows the provider's reloads.
 */
export function channelCredentials(provider: TlsFileProvider | undefined): grpc.ChannelCredentials {
  if (provider === undefined) return grpc.credentials.createInsecure();
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, provider);
}

/** One port's files and a name for logs ("peer", "client"). */
export interface NamedProvider {
  readonly name: string;
  readonly provider: TlsFileProvider;
}

/**
 * Re-reads the certificate files of every port every `intervalMs` (so a rotated Kubernetes
 * secret or a renewed certificate applies without a restart) and whenever reload() is
 * called (SIGHUP). `onOutcome` hears each reload that changed something or was refused;
 * a refused reload keeps the files in use and is tried again on the next round.
 */
export class TlsReloader {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly providers: readonly NamedProvider[],
    intervalMs: number,
    private readonly onOutcome: (name: string, outcome: ReloadOutcome) => void,
  ) {
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
  }

  reload(): void {
    for (const { name, provider } of this.providers) {
      const outcome = provider.reload();
      if (outcome.kind !== "unchanged") this.onOutcome(name, outcome);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * A member's TLS, ready to use: what each port's server binds with, what its calls to each
 * kind of port use, and the reloader of the files behind them.
 */
export interface MemberTls {
  /** True when either port has TLS files. */
  readonly enabled: boolean;
  readonly peerServer: grpc.ServerCredentials;
  readonly clientServer: grpc.ServerCredentials;
  /** For calls to other members' peer ports: the peer files (RaftPeer, forwarding, lookups). */
  readonly peerChannel: grpc.ChannelCredentials;
  /**
   * For calls to other members' client ports (--join): the client files, so a joining
   * member presents its client-port certificate and verifies with the client CA.
   */
  readonly clientChannel: grpc.ChannelCredentials;
  /** Each port's leaf certificate and whether it is mutual, for the startup log. */
  describe(): Record<string, { mutual: boolean; serialNumber: string; validTo: string }>;
  /** Reads the files again now (SIGHUP). */
  reload(): void;
  /** Stops the periodic reload. */
  close(): void;
}

/**
 * Loads both ports' files and starts reloading them every `reloadMs`. Throws TlsFilesError,
 * with its port, when a file cannot be read or a key does not match its certificate.
 */
export function startMemberTls(
  files: MemberTlsFiles, reloadMs: number,
  onOutcome: (port: string, outcome: ReloadOutcome) => void,
): MemberTls {
  const peer = loadPort("peer", files.peer);
  const client = loadPort("client", files.client);
  const named = [
    ...(peer === undefined ? [] : [{ name: "peer", provider: peer }]),
    ...(client === undefined ? [] : [{ name: "client", provider: client }]),
  ];
  const reloader = named.length === 0 ? undefined : new TlsReloader(named, reloadMs, onOutcome);
  return {
    enabled: reloader !== undefined,
    peerServer: serverCredentials(peer), clientServer: serverCredentials(client),
    peerChannel: channelCredentials(peer), clientChannel: channelCredentials(client),
    describe: () => Object.fromEntries(named.map(({ name, provider }) => [name, {
      mutual: provider.files.caFile !== undefined, ...provider.describe(),
    }])),
    reload: () => reloader?.reload(),
    close: () => reloader?.close(),
  };
}

function loadPort(
  port: "peer" | "client", files: TlsFiles | undefined,
): TlsFileProvider | undefined {
  if (files === undefined) return undefined;
  try {
    return new TlsFileProvider(files);
  } catch (error: unknown) {
    if (!(error instanceof TlsFilesError)) throw error;
    throw new TlsFilesError(error.role, error.path, error.message, port);
  }
}
