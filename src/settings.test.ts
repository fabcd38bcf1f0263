// Goal: the settings rules a first-hour user meets. Defaults give a single member on
// 127.0.0.1:7379/7380 with data in ./data/default; a member's listen addresses default to
// its own --initial-cluster entry (client: the port below), so README's restart recipe needs
// only --id, --data-dir and --initial-cluster; a member whose advertised peer address is not
// its entry is refused; flags win over RAFTKV_* variables; every refusal is a StartupError
// whose message names the flag (or variable) and the value.
// Method: loadSettings() on parsed command lines and plain environment objects.

import { parseCommandLine } from "./cli-flags.js";
import { loadSettings, type Settings } from "./settings.js";
import { StartupError } from "./startup-error.js";

function settings(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Settings {
  const commandLine = parseCommandLine(argv);
  if (commandLine.action !== "run") throw new Error(`not a run: ${commandLine.action}`);
  return loadSettings(commandLine.flags, env);
}

function refusal(argv: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    settings(argv, env);
  } catch (error: unknown) {
    if (error instanceof StartupError) return error.message;
    throw error;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
}

const CLUSTER = "1=127.0.0.1:7380,2=127.0.0.1:7480,3=127.0.0.1:7580";

describe("loadSettings", () => {
  test("no flags: one member on 127.0.0.1:7379/7380, data in ./data/default", () => {
    expect(settings([])).toMatchObject({
      id: 1, listenClient: "127.0.0.1:7379", listenPeer: "127.0.0.1:7380",
      advertiseClient: "127.0.0.1:7379", advertisePeer: "127.0.0.1:7380",
      dataDir: "./data/default", initialCluster: [{ id: 1, peerAddress: "127.0.0.1:7380" }],
      tickMs: 50, electionTicks: 20, heartbeatTicks: 2, logLevel: "info",
    });
  });

  test("listen addresses default to the member's own --initial-cluster entry", () => {
    expect(settings(["--id", "2", "--data-dir", "data/2", "--initial-cluster", CLUSTER]))
      .toMatchObject({
        listenPeer: "127.0.0.1:7480", listenClient: "127.0.0.1:7479",
        advertisePeer: "127.0.0.1:7480", advertiseClient: "127.0.0.1:7479", dataDir: "data/2",
      });
    expect(settings(["--id", "3"], { RAFTKV_INITIAL_CLUSTER: "3=db-3.example:9000" }))
      .toMatchObject({ listenPeer: "db-3.example:9000", listenClient: "db-3.example:8999" });
  });

  test("an explicit listen address works when the advertised one is the entry", () => {
    expect(settings([
      "--id", "2", "--initial-cluster", CLUSTER, "--listen-peer", "0.0.0.0:7480",
      "--advertise-peer", "127.0.0.1:7480",
    ])).toMatchObject({
      listenPeer: "0.0.0.0:7480", listenClient: "0.0.0.0:7479", advertisePeer: "127.0.0.1:7480",
    });
  });

  test("a member whose peer address is not its entry is refused, naming both", () => {
    expect(refusal(["--id", "2", "--initial-cluster", CLUSTER, "--listen-peer", "127.0.0.1:9999"]))
      .toMatch(/^--listen-peer 127\.0\.0\.1:9999: this member's peer address does not match its entry 2=127\.0\.0\.1:7480 in --initial-cluster/);
    expect(refusal(["--id", "2", "--initial-cluster", CLUSTER], { RAFTKV_ADVERTISE_PEER: "h:1" }))
      .toMatch(/^RAFTKV_ADVERTISE_PEER=h:1: this member's peer address does not match/);
    expect(refusal(["--id", "4", "--initial-cluster", CLUSTER]))
      .toBe(`--initial-cluster ${CLUSTER}: does not list this member's --id 4`);
  });

  test("a client address that is a peer's address is refused", () => {
    expect(refusal(["--id", "2", "--initial-cluster", "1=127.0.0.1:7479,2=127.0.0.1:7480"]))
      .toMatch(/^--listen-client 127\.0\.0\.1:7479: is member 1's peer address/);
    expect(refusal(["--listen-client", "127.0.0.1:7380"]))
      .toMatch(/^--listen-client 127\.0\.0\.1:7380: is member 1's peer address/);
  });

  test("flags win over variables; an empty variable counts as unset", () => {
    expect(settings(["--tick-ms", "10"], { RAFTKV_TICK_MS: "20", RAFTKV_ELECTION_TICKS: "" }))
      .toMatchObject({ tickMs: 10, electionTicks: 20 });
  });

  test("refusals name the flag or variable and its value", () => {
    expect(refusal(["--id", "0"])).toBe("--id 0: must be an integer >= 1");
    expect(refusal([], { RAFTKV_ID: "one" })).toBe("RAFTKV_ID=one: must be an integer >= 1");
    expect(refusal(["--heartbeat-ticks", "20"]))
      .toBe("--heartbeat-ticks 20: must be below --election-ticks (20)");
    expect(refusal(["--election-ticks", "2"]))
      .toBe("--heartbeat-ticks 2: must be below --election-ticks (2)");
    expect(refusal(["--log-level", "loud"])).toBe("--log-level loud: must be debug, info, warn or error");
    expect(refusal(["--listen-peer", "nowhere"])).toBe("--listen-peer nowhere: must be host:port");
    expect(refusal(["--listen-peer", "127.0.0.1:1"]))
      .toBe("--listen-peer 127.0.0.1:1: has no port below it for the client address; set --listen-client");
    expect(refusal(["--initial-cluster", "1=a:1,2=a:1"]))
      .toBe("--initial-cluster 1=a:1,2=a:1: lists a peer address twice");
    expect(refusal(["--initial-cluster", "x=a:1"]))
      .toBe(`--initial-cluster x=a:1: entry "x=a:1" has no positive integer id`);
  });

  test("--join lists client addresses; without --cluster-id the cluster's id is learned", () => {
    expect(settings(["--id", "4", "--join", "127.0.0.1:7379, 127.0.0.1:7479"]))
      .toMatchObject({ join: ["127.0.0.1:7379", "127.0.0.1:7479"], clusterId: undefined });
    expect(settings(["--join", "127.0.0.1:7379", "--cluster-id", "7"])).toMatchObject({ clusterId: 7 });
    expect(settings([])).toMatchObject({ join: [], transferLeadershipOnStop: true });
    expect(refusal(["--join", "nowhere"])).toBe("--join nowhere: must be host:port[,host:port...]");
    // A member --initial-cluster lists founds the cluster; one it leaves out joins.
    const founders = "1=127.0.0.1:7380,2=127.0.0.1:7480";
    expect(settings(["--id", "2", "--initial-cluster", founders, "--join", "127.0.0.1:7379"]))
      .toMatchObject({ founding: true });
    const joiner = settings(["--id", "4", "--listen-peer", "127.0.0.1:7680",
      "--initial-cluster", founders, "--join", "127.0.0.1:7379"]);
    expect(joiner).toMatchObject({ founding: false });
    expect(joiner.clusterId).toBe(settings(["--initial-cluster", founders]).clusterId);
    expect(refusal(["--id", "4", "--initial-cluster", founders]))
      .toBe(`--initial-cluster ${founders}: does not list this member's --id 4`);
  });

  test("--transfer-leadership-on-stop is true or false", () => {
    expect(settings(["--transfer-leadership-on-stop", "false"]))
      .toMatchObject({ transferLeadershipOnStop: false });
    expect(refusal(["--transfer-leadership-on-stop", "no"]))
      .toBe("--transfer-leadership-on-stop no: must be true or false");
  });
});
