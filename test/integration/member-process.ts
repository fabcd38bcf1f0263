import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Where one member listens and keeps its files; fixed for its whole life, across restarts. */
export interface MemberSpec {
  readonly id: number;
  /** host:port of the client port (KV, Cluster, Health, reflection). */
  readonly clientAddress: string;
  /** host:port of the peer port (RaftPeer). */
  readonly peerAddress: string;
  readonly dataDir: string;
  /** Directory for this member's stdout and stderr files. */
  readonly logDir: string;
}

/** How a child ended: an exit code, or the signal that killed it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Every child any harness in this process started and that has not exited. On process exit
 * (including a jest worker torn down after a failure) each is killed by its PID, so no
 * member outlives the test run that started it.
 */
const liveChildren = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of liveChildren) child.kill("SIGKILL");
});

/**
 * One `raftkv` process: started with fixed flags, restartable on the same data directory and
 * ports, signalled by PID only (never by name). stdout and stderr are appended to
 * member-<id>.stdout.log / .stderr.log in `logDir`, each start marked with a banner line, so
 * a failure can show what every incarnation printed.
 */
export class MemberProcess {
  readonly spec: MemberSpec;
  private readonly command: readonly string[];
  private child: ChildProcess | undefined;
  private exitStatus: ExitStatus | undefined;
  private exited: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private starts = 0;

  /**
   * `command` is the argv to run (executable first); flags are fixed for every start.
   * `env` is added to this process's environment for the child (jest's process.env is a
   * copy, so a test's own assignments to it never reach a spawned child).
   */
  constructor(
    spec: MemberSpec, command: readonly string[],
    private readonly env: Readonly<Record<string, string>> = {},
  ) {
    this.spec = spec;
    this.command = command;
  }

  /** A stopped twin of this member: the same spec and argv, with `env` added for the child. */
  withEnv(env: Readonly<Record<string, string>>): MemberProcess {
    return new MemberProcess(this.spec, this.command, { ...this.env, ...env });
  }

  get stdoutPath(): string {
    return join(this.spec.logDir, `member-${this.spec.id}.stdout.log`);
  }

  get stderrPath(): string {
    return join(this.spec.logDir, `member-${this.spec.id}.stderr.log`);
  }

  /** The PID of the running incarnation, or undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitStatus === undefined;
  }

  /** How the last incarnation ended; undefined while it runs or before the first start. */
  get lastExit(): ExitStatus | undefined {
    return this.exitStatus;
  }

  /** Spawns a new incarnation. Precondition: none is running. */
  start(): void {
    if (this.running) throw new Error(`member ${this.spec.id} is already running`);
    this.starts += 1;
    const banner = `--- harness: start #${this.starts} of member ${this.spec.id}: ` +
      `${this.command.join(" ")}\n`;
    const stdout = openSync(this.stdoutPath, "a");
    const stderr = openSync(this.stderrPath, "a");
    writeSync(stdout, banner);
    writeSync(stderr, banner);
    const [executable, ...args] = this.command;
    if (executable === undefined) throw new Error("empty member command");
    const child = spawn(executable, args, {
      stdio: ["ignore", stdout, stderr], env: { ...process.env, ...this.env },
    });
    // The child holds its own copies of the descriptors.
    closeSync(stdout);
    closeSync(stderr);
    this.child = child;
    this.exitStatus = undefined;
    liveChildren.add(child);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        liveChildren.delete(child);
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
  }

  /** Sends `signal` to the running incarnation by PID. Precondition: it is running. */
  signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child === undefined || !this.running) {
      throw new Error(`member ${this.spec.id} is not running; cannot send ${signal}`);
    }
    child.kill(signal);
  }

  /**
   * Waits for the running incarnation to exit and returns how it ended; rejects after
   * `timeoutMs`. Resolves at once when nothing runs.
   */
  async waitForExit(timeoutMs: number): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`member ${this.spec.id} did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL if running, then wait for the exit; used by cleanup, never fails. */
  async forceStop(): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGKILL"); // Also ends a SIGSTOPped process.
    await this.waitForExit(10_000).catch(() => undefined);
  }

  /** The last `lines` lines of stdout and stderr, labelled, for failure messages. */
  logTail(lines = 30): string {
    const tail = (path: string): string => {
      if (!existsSync(path)) return "(no file)";
      return readFileSync(path, "utf8").split("\n").slice(-lines - 1).join("\n");
    };
    return `==> member ${this.spec.id} stderr (${this.stderrPath}) <==\n${tail(this.stderrPath)}\n` +
      `==> member ${this.spec.id} stdout (${this.stdoutPath}) <==\n${tail(this.stdoutPath)}`;
  }
}
