import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Free TCP ports on 127.0.0.1 for the members a test starts, taken from below the kernel's
 * ephemeral range.
 *
 * A port found by binding port 0 comes from the ephemeral range and is released before the
 * member binds it; in between, any outbound connection on the machine may take it as its
 * source port (CI failed with "--listen-peer 127.0.0.1:36929: address already in use").
 * The kernel never gives a port below the range to an outbound connection, so there the only
 * other users are this suite's own members: each jest worker walks its own slice, a test file
 * never hands a port out twice, and every port is checked free before it is handed out.
 */

/** The lowest port tests take; well above the fixed ports `make run` uses (7379-7580). */
const LOWEST_TEST_PORT = 15000;
/** Slices the reserved span is cut into, one per jest worker (ids wrap past this). */
const WORKER_SLICES = 8;
/** A slice smaller than this falls back to binding port 0. */
const MIN_SLICE_PORTS = 200;

const handedOut = new Set<number>();
let cursor: number | undefined;

/** `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const slice = workerSlice();
  const ports: number[] = [];
  if (slice === undefined) {
    while (ports.length < count) {
      const port = await bindAndRelease(0);
      if (port !== undefined && !handedOut.has(port) && !ports.includes(port)) ports.push(port);
    }
  } else {
    const size = slice.end - slice.start;
    // A random start per test file: files of one worker run one after another, and a random
    // start keeps a file off ports the previous file's members may still be releasing.
    cursor ??= slice.start + Math.floor(Math.random() * size);
    for (let tried = 0; ports.length < count; tried += 1) {
      if (tried >= size) throw new Error(`no free port left in ${slice.start}-${slice.end - 1}`);
      const port = cursor;
      cursor = cursor + 1 >= slice.end ? slice.start : cursor + 1;
      if (handedOut.has(port)) continue;
      if ((await bindAndRelease(port)) === port) ports.push(port);
    }
  }
  for (const port of ports) handedOut.add(port);
  return ports;
}

interface PortSlice {
  readonly start: number;
  /** One past the last port. */
  readonly end: number;
}

/** This worker's slice of the ports below the ephemeral range, or undefined if too small. */
function workerSlice(): PortSlice | undefined {
  const ephemeralLow = ephemeralRangeLow();
  if (ephemeralLow === undefined) return undefined;
  const sliceSize = Math.floor((ephemeralLow - LOWEST_TEST_PORT) / WORKER_SLICES);
  if (sliceSize < MIN_SLICE_PORTS) return undefined;
  const worker = Number.parseInt(process.env.JEST_WORKER_ID ?? "1", 10);
  const index = (Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % WORKER_SLICES;
  const start = LOWEST_TEST_PORT + index * sliceSize;
  return { start, end: start + sliceSize };
}

/** The first port of Linux's ephemeral range; undefined elsewhere. */
function ephemeralRangeLow(): number | undefined {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    const port = Number.parseInt(low ?? "", 10);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Binds `port` (0: any) on 127.0.0.1 and releases it; the port bound, or undefined if taken. */
function bindAndRelease(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(undefined);
      else reject(error);
    });
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}
