import { UsageError } from "./errors.js";
import { stringFlag, type FlagValues } from "./flags.js";

/** The largest member id: ids stay below 2^53 so JSON and JavaScript carry them exactly. */
const MEMBER_ID_MAX = Number.MAX_SAFE_INTEGER;

/**
 * A member id argument: a decimal whole number from 1 to 2^53 - 1, as `raftkv --id` takes
 * it (0 means "no member" on the wire). Returned as the decimal text the proto's uint64
 * fields take, without leading zeros.
 */
export function memberIdArgument(text: string, usage: string): string {
  const id = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(id) && id >= 1 && id <= MEMBER_ID_MAX)) {
    throw new UsageError(`member id must be a whole number from 1 to ${MEMBER_ID_MAX}, ` +
      `got "${text}"`, usage);
  }
  return String(id);
}

/**
 * A required `--peer-urls` or `--client-urls` value: one `host:port`, the host a name, an
 * IPv4 address or a bracketed IPv6 address. etcdctl takes URLs there; raftkv speaks
 * plaintext gRPC only, so a scheme is refused with a hint rather than silently dropped.
 */
export function addressFlag(
  flags: FlagValues,
  name: "peer-urls" | "client-urls",
  usage: string,
): string {
  const text = stringFlag(flags, name);
  if (text === undefined) throw new UsageError(`--${name} is required`, usage);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new UsageError(`--${name} takes host:port with no scheme, got "${text}"`, usage);
  }
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  const port = match === null ? 0 : Number(match[2]);
  if (port < 1 || port > 65535) {
    throw new UsageError(`--${name} must be one host:port, got "${text}"`, usage);
  }
  return text;
}
