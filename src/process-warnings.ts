/** A Node process warning as the 'warning' event delivers it. */
export type ProcessWarning = Error & { readonly code?: string };

/**
 * Hands every Node process warning (deprecations, listener leaks, ...) to `handle` instead
 * of Node's own printer, which goes with the listeners removed here. `tlsToIp` marks the one
 * warning raftkv expects: grpc-js names the TLS server after the target host, and Node warns
 * (DEP0123) when that is an IP address, as members and endpoints given by IP are (the
 * certificate is still checked against the address).
 */
export function onProcessWarning(
  handle: (warning: ProcessWarning, tlsToIp: boolean) => void,
): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning: ProcessWarning) => {
    handle(warning, warning.code === "DEP0123");
  });
}
