import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { freePorts } from "./free-ports.js";

function ephemeralLow(): number {
  return Number.parseInt(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8"), 10);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A server listening on `port` (or failing to, if it is taken: then it holds nothing). */
function hold(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(server));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("free ports for test members", () => {
  test("are distinct across calls, bindable, and below the ephemeral range", async () => {
    const first = await freePorts(5);
    const second = await freePorts(5);
    const all = [...first, ...second];
    expect(new Set(all).size).toBe(10);
    for (const port of all) {
      expect(port).toBeLessThan(ephemeralLow());
      expect(await canBind(port)).toBe(true);
    }
  });

  test("skip a port something already listens on", async () => {
    const [port] = await freePorts(1);
    // Hold the next ports of the walk so the helper must step past every one of them.
    const holders = await Promise.all([1, 2, 3].map((step) => hold(port! + step)));
    try {
      const [next] = await freePorts(1);
      expect([port! + 1, port! + 2, port! + 3]).not.toContain(next);
      expect(await canBind(next!)).toBe(true);
    } finally {
      await Promise.all(holders.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
