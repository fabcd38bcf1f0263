import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./free-ports.js";
import { MemberProcess, type ExitStatus } from "./member-process.js";
import { HEALTH_SERVING, RaftkvClient, ROLE } from "./raftkv-client.js";
import { raftkvBinary } from "./repo-paths.js";
import { waitUntil } from "./wait-until.js";

/** Raft timing flags for every member. */
export interface Timing {
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
}

/**
 * Fast elections for tests: 10 ms ticks, an election timeout of 100-200 ms, a heartbeat
 * every tick. Loopback round trips are well under a tick, so this stays stable.
 */
export const FAST_TIMING: Timing = Object.freeze({
  tickMs: 10,
  electionTicks: 10,
  heartbeatTicks: 1,
});

export interface ClusterOptions {
  readonly size: number;
  /** Raft timing; "production" passes no timing flags, so the binary's defaults apply. */
  readonly timing?: Timing | "production";
  /** More flags for every member, e.g. ["--max-key-bytes", "64"]. */
  readonly extraFlags?: readonly string[];
  /** Environment variables for every member, beside this process's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** More flags for member `id` only, after extraFlags (e.g. its own certificate files). */
  readonly memberFlags?: (id: number) => readonly string[];
  /** What the harness's clients use; plaintext unless given (members with --client-cert). */
  readonly clientCredentials?: grpc.ChannelCredentials;
  /** How long start() waits for every member to report SERVING. */
  readonly readyTimeoutMs?: number;
  /**
   * Runs before any member starts, once per member, with the flags it will be started with
   * (after the binary): e.g. `raftkv restore` preparing its data directory.
   */
  readonly beforeStart?: (id: number, memberFlags: readonly string[]) => Promise<void>;
}

const START_ATTEMPTS_MAX = 3;

/**
 * grpc-js backs off up to 120 s between reconnects; a member restarted by a test is back
 * within a second, so the harness's clients retry it quickly instead.
 */
const RECONNECT_QUICKLY = Object.freeze({
  "grpc.initial_reconnect_backoff_ms": 50,
  "grpc.max_reconnect_backoff_ms": 500,
});
const STATUS_DEADLINE_MS = 500;

/**
 * N `raftkv` processes on 127.0.0.1, each with its own data directory under one
 * fs.mkdtempSync(os.tmpdir()) directory, started with --initial-cluster naming all of them.
 * Members are addressed by id (1..N). The harness signals members by PID only, restarts a
 * member on its own data directory and ports, and destroy() kills every process it started;
 * call it from afterAll so that happens even when a test fails.
 */
export class ClusterHarness {
  readonly rootDir: string;
  private readonly memberList: MemberProcess[];
  private readonly clients = new Map<number, RaftkvClient>();
  private keepFiles = false;
  /** The flags every member gets: timing and the test's extras (for members added later). */
  private readonly commonFlags: readonly string[];
  private readonly clientCredentials: grpc.ChannelCredentials | undefined;

  private constructor(
    rootDir: string, members: readonly MemberProcess[], commonFlags: readonly string[],
    clientCredentials?: grpc.ChannelCredentials,
  ) {
    this.rootDir = rootDir;
    this.memberList = [...members];
    this.commonFlags = commonFlags;
    this.clientCredentials = clientCredentials;
  }

  get members(): readonly MemberProcess[] {
    return this.memberList;
  }

  /**
   * Starts a new member `id` with an empty data directory and `--join` through the client
   * addresses of `through` (default: every running member), on fresh ports; does not wait.
   * It is one of this harness's members from then on (restart, kill, destroy).
   */
  async join(
    id: number, options: { through?: readonly number[]; extraFlags?: readonly string[] } = {},
  ): Promise<MemberProcess> {
    if (this.memberList.some((member) => member.spec.id === id)) throw new Error(`member ${id} exists`);
    const [clientPort, peerPort] = await freePorts(2);
    const spec = {
      id, clientAddress: `127.0.0.1:${clientPort!}`, peerAddress: `127.0.0.1:${peerPort!}`,
      dataDir: join(this.rootDir, `member-${id}`), logDir: this.rootDir,
    };
    mkdirSync(spec.dataDir, { recursive: true });
    const through = (options.through ?? this.runningIds())
      .map((other) => this.member(other).spec.clientAddress);
    const member = new MemberProcess(spec, [
      process.execPath, "--enable-source-maps", raftkvBinary(),
      "--id", String(id),
      "--listen-client", spec.clientAddress,
      "--listen-peer", spec.peerAddress,
      "--data-dir", spec.dataDir,
      "--join", through.join(","),
      ...this.commonFlags,
      ...(options.extraFlags ?? []),
    ]);
    this.memberList.push(member);
    member.start();
    return member;
  }

  /**
   * Starts the cluster and waits until every member reports SERVING (it knows a leader and
   * has applied what it learned was committed). Ports come from freePorts(); if another
   * process still takes one before a member binds it, the whole cluster is started again on
   * fresh ports (peer addresses are part of every member's --initial-cluster).
   */
  static async start(options: ClusterOptions): Promise<ClusterHarness> {
    for (let attempt = 1; ; attempt++) {
      const cluster = await ClusterHarness.launch(options);
      try {
        await cluster.waitForReady(cluster.ids(), options.readyTimeoutMs ?? 20_000);
        return cluster;
      } catch (error: unknown) {
        // The member says "address already in use" (main.ts); Node's own text is EADDRINUSE.
        const portTaken = cluster.members.some((member) => /EADDRINUSE|address already in use/
          .test(readFileSync(member.stderrPath, "utf8")));
        await cluster.destroy();
        if (!portTaken || attempt >= START_ATTEMPTS_MAX) throw error;
      }
    }
  }

  private static async launch(options: ClusterOptions): Promise<ClusterHarness> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new Error(`cluster size must be a positive integer, got ${options.size}`);
    }
    const rootDir = mkdtempSync(join(tmpdir(), "raftkv-it-"));
    const ports = await freePorts(2 * options.size);
    const ids = Array.from({ length: options.size }, (_, i) => i + 1);
    const specs = ids.map((id, i) => ({
      id,
      clientAddress: `127.0.0.1:${ports[2 * i]!}`,
      peerAddress: `127.0.0.1:${ports[2 * i + 1]!}`,
      dataDir: join(rootDir, `member-${id}`),
      logDir: rootDir,
    }));
    const initialCluster = specs.map((spec) => `${spec.id}=${spec.peerAddress}`).join(",");
    const timing = options.timing ?? FAST_TIMING;
    const timingFlags = timing === "production" ? [] : [
      "--tick-ms", String(timing.tickMs),
      "--election-ticks", String(timing.electionTicks),
      "--heartbeat-ticks", String(timing.heartbeatTicks),
    ];
    const binary = raftkvBinary();
    const commonFlags = [...timingFlags, ...(options.extraFlags ?? [])];
    const flagsOf = (spec: (typeof specs)[number]): string[] => [
      "--id", String(spec.id),
      "--listen-client", spec.clientAddress,
      "--listen-peer", spec.peerAddress,
      "--data-dir", spec.dataDir,
      "--initial-cluster", initialCluster,
      ...commonFlags,
      ...(options.memberFlags?.(spec.id) ?? []),
    ];
    const members = specs.map((spec) => {
      mkdirSync(spec.dataDir, { recursive: true });
      return new MemberProcess(spec, [
        process.execPath, "--enable-source-maps", binary, ...flagsOf(spec),
      ], options.env);
    });
    const cluster = new ClusterHarness(rootDir, members, commonFlags, options.clientCredentials);
    try {
      for (const spec of specs) await options.beforeStart?.(spec.id, flagsOf(spec));
    } catch (error: unknown) {
      await cluster.destroy();
      throw error;
    }
    for (const member of members) member.start();
    return cluster;
  }

  ids(): number[] {
    return this.members.map((member) => member.spec.id);
  }

  runningIds(): number[] {
    return this.members.filter((member) => member.running).map((member) => member.spec.id);
  }

  member(id: number): MemberProcess {
    const member = this.members.find((candidate) => candidate.spec.id === id);
    if (member === undefined) throw new Error(`no member ${id} in this cluster`);
    return member;
  }

  /** A client of member `id`'s client port, created once and reused across restarts. */
  client(id: number): RaftkvClient {
    let client = this.clients.get(id);
    if (client === undefined) {
      client = new RaftkvClient(
        this.member(id).spec.clientAddress, RECONNECT_QUICKLY, this.clientCredentials);
      this.clients.set(id, client);
    }
    return client;
  }

  /**
   * Waits until each member in `ids` answers Health/Check with SERVING. Fails at once, with
   * the member's log tail, if one of them exits meanwhile.
   */
  async waitForReady(ids: readonly number[], timeoutMs = 20_000): Promise<void> {
    let exitedMember: MemberProcess | undefined;
    await waitUntil(`members ${ids.join(",")} to report SERVING`, timeoutMs, async () => {
      exitedMember = ids.map((id) => this.member(id)).find((member) => !member.running);
      if (exitedMember !== undefined) return true;
      const statuses = await Promise.all(ids.map((id) =>
        this.client(id).healthStatus({ deadlineMs: STATUS_DEADLINE_MS })));
      return statuses.every((status) => status === HEALTH_SERVING) ? true : undefined;
    });
    if (exitedMember !== undefined) {
      throw new Error(`member ${exitedMember.spec.id} exited (${describeExit(exitedMember.lastExit)}) ` +
        `before it was ready\n${exitedMember.logTail()}`);
    }
  }

  /**
   * Waits until one member among `among` (default: every running member) is leader and every
   * member in `among` reports it as leader in the same term; returns its id.
   */
  async waitForLeader(
    among: readonly number[] = this.runningIds(),
    timeoutMs = 15_000,
  ): Promise<number> {
    return waitUntil(`a leader agreed on by members ${among.join(",")}`, timeoutMs, async () => {
      const statuses = await Promise.all(among.map((id) =>
        this.client(id).status({ deadlineMs: STATUS_DEADLINE_MS })));
      const leader = statuses.find((status) => status.role === ROLE.leader);
      if (leader === undefined) return undefined;
      const agreed = statuses.every((status) =>
        status.leader_id === leader.member_id && status.term === leader.term);
      return agreed ? Number(leader.member_id) : undefined;
    });
  }

  /**
   * Waits until every running member's MemberList names a client address for every member.
   * Founding members start with peer addresses only and publish their client addresses
   * through the log (docs/api.md, Membership), so a list taken right after the election may
   * still show one empty, as etcd's does before a member publishes.
   */
  async waitForClientAddresses(timeoutMs = 15_000): Promise<void> {
    const among = this.runningIds();
    await waitUntil(`every member of ${among.join(",")} to list every client address`,
      timeoutMs, async () => {
        const lists = await Promise.all(among.map((id) =>
          this.client(id).memberList({ deadlineMs: STATUS_DEADLINE_MS })));
        const complete = lists.every((list) =>
          list.members.every((member) => member.client_address !== ""));
        return complete ? true : undefined;
      });
  }

  /** Sends `signal` to member `id` by PID: SIGKILL, SIGTERM, SIGSTOP or SIGCONT. */
  signal(id: number, signal: NodeJS.Signals): void {
    this.member(id).signal(signal);
  }

  /** SIGKILL (kill -9) member `id` and wait until it is gone. */
  async kill(id: number): Promise<void> {
    const member = this.member(id);
    member.signal("SIGKILL");
    await member.waitForExit(10_000);
  }

  /** SIGTERM member `id` and return how it exited (a clean shutdown exits with code 0). */
  async terminate(id: number, timeoutMs = 15_000): Promise<ExitStatus> {
    const member = this.member(id);
    member.signal("SIGTERM");
    return member.waitForExit(timeoutMs);
  }

  /** Starts member `id` again on its own data directory and ports; does not wait. */
  restart(id: number): void {
    this.member(id).start();
  }

  /** Every member's log tail, for a failure message. */
  logTails(): string {
    return this.members.map((member) => member.logTail()).join("\n");
  }

  /**
   * Runs `body`; if it throws, the error's message gains every member's log tail and the
   * temp directory is kept (its path is in the message) for a closer look.
   */
  async withLogs<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error: unknown) {
      this.keepFiles = true;
      if (error instanceof Error) {
        error.message += `\n\nmember logs (kept in ${this.rootDir}):\n${this.logTails()}`;
      }
      throw error;
    }
  }

  /** Kills every member still running (SIGKILL by PID), closes clients, removes files. */
  async destroy(): Promise<void> {
    await Promise.all(this.members.map((member) => member.forceStop()));
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    if (!this.keepFiles && process.env.RAFTKV_KEEP_TEST_FILES !== "1") {
      rmSync(this.rootDir, { recursive: true, force: true });
    }
  }
}

export function describeExit(status: ExitStatus | undefined): string {
  if (status === undefined) return "still running";
  return status.signal !== null ? `signal ${status.signal}` : `code ${String(status.code)}`;
}
