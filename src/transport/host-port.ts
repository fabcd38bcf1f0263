/**
 * host:port as raftkv accepts it everywhere (flags, membership calls): a DNS name or IPv4
 * address, or a bracketed IPv6 address, then a port of at most 65535. Port 0 means "any
 * free port", which only a listen address may ask for.
 */
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** The port of `text` when it is host:port, else undefined. Surrounding blanks are ignored. */
export function portOf(text: string): number | undefined {
  const match = HOST_PORT.exec(text.trim());
  if (match === null) return undefined;
  const port = Number(match[2]);
  return port <= 65535 ? port : undefined;
}
