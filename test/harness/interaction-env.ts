/**
 * The command handlers behind test/scenarios/*.txt (etcd-io/raft's InteractionEnv analogue):
 * N RaftCores over MemoryLogStores, one FIFO network queue and a set of cut links. Nothing
 * happens unless a script says so: no tick, Ready or delivery is implicit, so every output
 * is a deterministic function of the script (each core's jitter is SeededRandom(node id)).
 *
 * Notation: an entry is `index@term kind`, e.g. `3@2 noop`, `4@2 "x=1"`, or
 * `1@1 config voters=(1,2,3)`; a log position such as prev= or last= is `index@term` too.
 * A message is `from->to type term=T ...fields`, e.g.
 * `1->2 append-request term=2 prev=1@1 commit=1 entries=[2@2 noop]`.
 */
import type { Entry, MembershipConfig, SnapshotMeta } from "../../src/core/entry.js";
import type { ProposeResult, Refusal, RequestResult } from "../../src/core/errors.js";
import { logIndex, nodeId, type NodeId } from "../../src/core/ids.js";
import { decodeMembershipConfig, makeConfig, type ConfigChange }
  from "../../src/core/membership-config.js";
import type { Message } from "../../src/core/message.js";
import { DEFAULT_RAFT_CONFIG, type PlantedBug, type RaftConfig }
  from "../../src/core/raft-config.js";
import { RaftCore } from "../../src/core/raft-core.js";
import { SeededRandom } from "../../src/core/random.js";
import { isEmptyWrite, type Ready } from "../../src/core/ready.js";
import { bootstrapEntries, MemoryLogStore } from "../../src/storage/memory-log-store.js";
import {
  argValues, intArg, intValue, parseInteger, positionalArgs, type DataDrivenCommand,
} from "./datadriven.js";

/** One member: its core, its durable store, and the config it was started with. */
interface EnvNode {
  readonly id: NodeId;
  readonly config: RaftConfig;
  store: MemoryLogStore;
  core: RaftCore;
}

/** Upper bound on Ready/deliver rounds in one `stabilize`; hitting it means a message storm. */
const STABILIZE_ROUNDS_MAX = 1000;

/** `add-nodes` options and the RaftConfig field each one sets. */
const NUMBER_OPTIONS: Readonly<Record<string, keyof RaftConfig>> = {
  election: "electionTicks", heartbeat: "heartbeatTicks", inflight: "inflightAppendsMax",
  "max-entries": "appendEntriesMax", "max-bytes": "appendBytesMax",
  "max-uncommitted": "uncommittedBytesMax", "max-reads": "pendingReadsMax",
};
const BOOLEAN_OPTIONS: Readonly<Record<string, keyof RaftConfig>> = {
  prevote: "preVote", checkquorum: "checkQuorum", lease: "leaseReads",
};

/**
 * Runs one script command against the cluster and returns its output. Unknown commands and
 * malformed arguments throw (a broken script); refusals by the core are printed (a result).
 */
export class InteractionEnv {
  private readonly nodes = new Map<NodeId, EnvNode>();
  /** The network: messages sent and not yet delivered or dropped, in send order. */
  private queue: Message[] = [];
  /** Cut links as "from->to": messages on them are dropped when delivered. */
  private readonly cuts = new Set<string>();

  private readonly handlers: Readonly<Record<string, (command: DataDrivenCommand) => string>> = {
    "add-nodes": (c) => this.addNodes(c),
    reset: () => this.reset(),
    campaign: (c) => this.campaign(this.node(c)),
    tick: (c) => this.tick(this.node(c), intArg(c, 1, 1)),
    "tick-heartbeat": (c) => this.tick(this.node(c), this.node(c).config.heartbeatTicks),
    "tick-election": (c) => this.tick(this.node(c), this.node(c).config.electionTicks),
    stabilize: (c) => this.stabilize(c.args.length === 0 ? undefined : this.nodeIds(c)),
    "process-ready": (c) => this.processReadies(this.nodeIds(c)),
    "deliver-msgs": (c) => this.deliverMessages(c),
    propose: (c) => formatProposal(this.node(c).core.propose(proposalData(c))),
    "propose-conf-change": (c) =>
      formatProposal(this.node(c).core.proposeConfigChange(configChange(c))),
    "read-index": (c) => formatRequest(this.node(c).core.readIndex(intArg(c, 1))),
    "transfer-leader": (c) => formatRequest(
      this.get(nodeId(intValue(c, "from"))).core.transferLeadership(nodeId(intValue(c, "to")))),
    partition: (c) => this.partition(c),
    isolate: (c) => this.isolate(this.node(c).id),
    heal: () => {
      this.cuts.clear();
      return "ok";
    },
    "report-unreachable": (c) => {
      this.node(c).core.reportUnreachable(nodeId(intArg(c, 1)));
      return "ok";
    },
    // `report-snapshot 1 2 finished|failed index=N`: 1's transport reports how its send of
    // snapshot N to 2 ended.
    "report-snapshot": (c) => {
      const status = positionalArgs(c)[2];
      if (status !== "finished" && status !== "failed") {
        throw new Error("report-snapshot needs finished or failed");
      }
      const index = logIndex(intValue(c, "index"));
      this.node(c).core.reportSnapshot(nodeId(intArg(c, 1)), status, index);
      return "ok";
    },
    compact: (c) => this.compact(c),
    restart: (c) => this.restart(this.node(c)),
    status: (c) => this.nodeIds(c).map((id) => this.statusLine(id)).join("\n"),
    "raft-state": () => this.sortedNodes().map((n) => this.statusLine(n.id)).join("\n"),
    "raft-log": (c) => this.raftLog(this.node(c)),
    membership: (c) => this.nodeIds(c)
      .map((id) => `${String(id)}: ${formatConfig(this.get(id).core.membership())}`).join("\n"),
  };

  handle(command: DataDrivenCommand): string {
    const handler = this.handlers[command.name];
    if (handler === undefined) throw new Error(`unknown command "${command.name}"`);
    return handler(command);
  }

  /**
   * `add-nodes N [voters=(..) learners=(..)] [options]`: adds N nodes with the next ids. The
   * members of the given configuration start from bootstrapEntries(); the others start empty
   * and learn the configuration from a leader.
   */
  private addNodes(c: DataDrivenCommand): string {
    const count = intArg(c, 0);
    const voters = argValues(c, "voters");
    const membership = voters === undefined
      ? undefined
      : makeConfig(voters.map(Number), (argValues(c, "learners") ?? []).map(Number));
    const config = raftOptions(c);
    const first = Math.max(0, ...this.nodes.keys()) + 1;
    for (let raw = first; raw < first + count; raw++) {
      const id = nodeId(raw);
      const founder = membership !== undefined &&
        (membership.voters.includes(id) || membership.learners.includes(id));
      const store = new MemoryLogStore(founder ? bootstrapEntries(membership) : {});
      const nodeConfig: RaftConfig = { ...config, nodeId: id };
      this.nodes.set(id, { id, config: nodeConfig, store, core: newCore(nodeConfig, store) });
    }
    return "ok";
  }

  /** `reset`: forgets every node, message and cut, for a second cluster in one script. */
  private reset(): string {
    this.nodes.clear();
    this.queue = [];
    this.cuts.clear();
    return "ok";
  }

  /**
   * `campaign N`: ticks N until its election timer fires (§5.2), which is deterministic
   * given its seed. A non-leader's tick produces output only by campaigning, so the first
   * tick that changes its role or term, or gives it a Ready, is the one.
   */
  private campaign(node: EnvNode): string {
    const before = node.core.status();
    if (before.role === "leader") throw new Error(`node ${String(node.id)} already leads`);
    const hadReady = node.core.hasReady();
    const ticksMax = 4 * node.config.electionTicks;
    for (let ticks = 1; ticks <= ticksMax; ticks++) {
      node.core.tick();
      const after = node.core.status();
      if (after.role !== before.role || after.term !== before.term) return "ok";
      if (!hadReady && node.core.hasReady()) return "ok";
    }
    throw new Error(`node ${String(node.id)} did not campaign within ${String(ticksMax)} ticks`);
  }

  private tick(node: EnvNode, count: number): string {
    for (let i = 0; i < count; i++) node.core.tick();
    return "ok";
  }

  /**
   * `stabilize [ids]`: until nothing changes, handle every node's Ready, then deliver every
   * queued message, printing both (like etcd's stabilize). No ticks: time stands still.
   */
  private stabilize(ids: readonly NodeId[] | undefined): string {
    const out: string[] = [];
    const inScope = (id: NodeId): boolean => ids === undefined || ids.includes(id);
    for (let round = 0; round < STABILIZE_ROUNDS_MAX; round++) {
      let busy = false;
      for (const node of this.sortedNodes()) {
        if (!inScope(node.id) || !node.core.hasReady()) continue;
        out.push(`> ${String(node.id)} handling Ready`, ...indent(this.handleReady(node)));
        busy = true;
      }
      for (const to of this.recipients()) {
        if (!inScope(to)) continue;
        out.push(`> ${String(to)} receiving messages`, ...indent(this.deliverTo(to)));
        busy = true;
      }
      if (!busy) return out.length === 0 ? "ok" : out.join("\n");
    }
    throw new Error(`stabilize did not settle in ${String(STABILIZE_ROUNDS_MAX)} rounds`);
  }

  private processReadies(ids: readonly NodeId[]): string {
    const out: string[] = [];
    for (const id of ids) {
      const node = this.get(id);
      out.push(`> ${String(id)} handling Ready`);
      out.push(...indent(node.core.hasReady() ? this.handleReady(node) : ["<empty Ready>"]));
    }
    return out.join("\n");
  }

  /**
   * The driver's Ready loop for one node, as ready.ts prescribes, with a disk that is
   * durable at once: send (queue) the early messages, write, apply, advance, then report the
   * write durable and queue the messages that waited for it. Returns the Ready's description.
   */
  private handleReady(node: EnvNode): string[] {
    const ready = node.core.ready();
    const description = describeReady(ready);
    this.queue.push(...ready.messages);
    const write = ready.write;
    if (write !== undefined && !isEmptyWrite(write)) {
      const { snapshot, entries, hardState } = write;
      node.store.persist({ snapshot, entries, hardState });
    }
    // The state machine here keeps nothing: applying is done by the core's own bookkeeping.
    node.core.advance(ready);
    if (write !== undefined) {
      node.core.persisted(write);
      this.queue.push(...write.messagesAfterWrite);
    }
    return description;
  }

  /** `deliver-msgs [ids] [drop=(ids)]`: delivers queued messages to ids; drops those to drop=. */
  private deliverMessages(c: DataDrivenCommand): string {
    const out: string[] = [];
    for (const raw of argValues(c, "drop") ?? []) {
      const to = nodeId(parseInteger(raw, "drop"));
      const dropped = this.takeMessagesTo(to);
      out.push(`> ${String(to)} dropping messages`, ...indent(dropped.map(formatMessage)));
    }
    for (const id of this.nodeIds(c)) {
      out.push(`> ${String(id)} receiving messages`, ...indent(this.deliverTo(id)));
    }
    return out.length === 0 ? "ok" : out.join("\n");
  }

  private deliverTo(to: NodeId): string[] {
    const out: string[] = [];
    for (const message of this.takeMessagesTo(to)) {
      const target = this.nodes.get(to);
      if (this.cuts.has(link(message.from, to))) {
        out.push(`${formatMessage(message)} (dropped: partition)`);
      } else if (target === undefined) {
        out.push(`${formatMessage(message)} (dropped: no node ${String(to)})`);
      } else {
        out.push(formatMessage(message));
        target.core.step(message);
      }
    }
    return out.length === 0 ? ["<no messages>"] : out;
  }

  private takeMessagesTo(to: NodeId): Message[] {
    const taken = this.queue.filter((m) => m.to === to);
    this.queue = this.queue.filter((m) => m.to !== to);
    return taken;
  }

  private recipients(): NodeId[] {
    return [...new Set(this.queue.map((m) => m.to))].sort((a, b) => a - b);
  }

  /** `partition (1) (2,3)`: replaces all cuts by cutting every link between the groups. */
  private partition(c: DataDrivenCommand): string {
    const groups = c.args
      .filter((a) => a.key === "")
      .map((a) => a.values.map((v) => nodeId(parseInteger(v, "partition"))));
    this.cuts.clear();
    groups.forEach((group, i) => {
      for (const other of groups.slice(i + 1)) {
        for (const a of group) for (const b of other) this.cutBoth(a, b);
      }
    });
    return "ok";
  }

  /** `isolate N`: cuts every link between N and the other nodes (adding to existing cuts). */
  private isolate(id: NodeId): string {
    for (const other of this.nodes.keys()) if (other !== id) this.cutBoth(id, other);
    return "ok";
  }

  private cutBoth(a: NodeId, b: NodeId): void {
    this.cuts.add(link(a, b));
    this.cuts.add(link(b, a));
  }

  /** `compact N [index]`: the driver snapshots at index (default: applied) and compacts. */
  private compact(c: DataDrivenCommand): string {
    const node = this.node(c);
    const index = logIndex(c.args.length > 1 ? intArg(c, 1) : node.core.status().appliedIndex);
    const meta = node.core.snapshotMetaAt(index);
    node.store.compact(meta);
    return `snapshot ${formatSnapshot(meta)}`;
  }

  /**
   * `restart N`: a crash and restart. The new core reads a clone of the durable store, so
   * anything persisted survives and anything not yet handed out in a Ready is lost; the
   * state machine is volatile, so committed entries are applied again.
   */
  private restart(node: EnvNode): string {
    node.store = node.store.clone();
    node.core = newCore(node.config, node.store);
    return "ok";
  }

  private statusLine(id: NodeId): string {
    const s = this.get(id).core.status();
    const parts = [
      `${String(id)}: ${s.role}`, `term=${String(s.term)}`, `vote=${formatNode(s.vote)}`,
      `leader=${formatNode(s.leader)}`, `commit=${String(s.commitIndex)}`,
      `applied=${String(s.appliedIndex)}`, `last=${String(s.lastIndex)}`,
    ];
    if (s.snapshotIndex > 0) parts.push(`snapshot=${String(s.snapshotIndex)}`);
    if (s.isLearner) parts.push("learner");
    const target = s.leadershipTransferTarget;
    if (target !== 0) parts.push(`transfer-to=${String(target)}`);
    return parts.join(" ");
  }

  /** `raft-log N`: what N's store holds durably (unpersisted entries are not shown). */
  private raftLog(node: EnvNode): string {
    const out: string[] = [];
    const snapshot = node.store.snapshotMeta();
    if (snapshot.index > 0) out.push(`snapshot ${formatSnapshot(snapshot)}`);
    out.push(...node.store.allEntries().map(formatEntry));
    return out.length === 0 ? "<empty log>" : out.join("\n");
  }

  private node(c: DataDrivenCommand): EnvNode {
    return this.get(nodeId(intArg(c, 0)));
  }

  private nodeIds(c: DataDrivenCommand): NodeId[] {
    const ids = positionalArgs(c).map((raw) => nodeId(parseInteger(raw, c.name)));
    for (const id of ids) this.get(id); // Fail early on an unknown node.
    return ids;
  }

  private get(id: NodeId): EnvNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${String(id)}`);
    return node;
  }

  private sortedNodes(): EnvNode[] {
    return [...this.nodes.values()].sort((a, b) => a.id - b.id);
  }
}

function newCore(config: RaftConfig, store: MemoryLogStore): RaftCore {
  return new RaftCore({ config, storage: store, random: new SeededRandom(config.nodeId) });
}

function raftOptions(c: DataDrivenCommand): Omit<RaftConfig, "nodeId"> {
  const config: Record<string, unknown> = { ...DEFAULT_RAFT_CONFIG };
  for (const arg of c.args) {
    const value = arg.values[0];
    const numberField = NUMBER_OPTIONS[arg.key];
    const booleanField = BOOLEAN_OPTIONS[arg.key];
    if (numberField !== undefined && value !== undefined) {
      config[numberField] = parseInteger(value, arg.key);
    } else if (booleanField !== undefined) config[booleanField] = value === "true";
    else if (arg.key === "bugs") config["plantedBugs"] = new Set(arg.values as PlantedBug[]);
  }
  return config as unknown as Omit<RaftConfig, "nodeId">;
}

function proposalData(c: DataDrivenCommand): Uint8Array {
  const size = argValues(c, "bytes");
  if (size?.[0] !== undefined) return new Uint8Array(parseInteger(size[0], "bytes")).fill(0x78);
  const arg = c.args[1];
  if (arg === undefined) throw new Error("propose needs data or bytes=N");
  // `propose 1 x=1` means the text "x=1", not an argument named x.
  const text = arg.values.length === 0 ? arg.key : `${arg.key}=${arg.values.join(",")}`;
  return new TextEncoder().encode(text);
}

function configChange(c: DataDrivenCommand): ConfigChange {
  const arg = c.args[1];
  const raw = arg?.values[0];
  if (arg === undefined || raw === undefined) {
    throw new Error("expected add-learner=N, add-voter=N or remove=N");
  }
  const node = nodeId(parseInteger(raw, arg.key));
  if (arg.key === "add-learner" || arg.key === "add-voter" || arg.key === "remove") {
    return { type: arg.key, node };
  }
  throw new Error(`unknown configuration change "${arg.key}"`);
}

function describeReady(ready: Ready): string[] {
  const out: string[] = [];
  if (ready.softState !== undefined) {
    out.push(`State ${ready.softState.role} leader=${formatNode(ready.softState.leader)}`);
  }
  const write = ready.write;
  const hard = write?.hardState;
  if (hard !== undefined) {
    const vote = formatNode(hard.vote);
    out.push(`HardState term=${String(hard.term)} vote=${vote} commit=${String(hard.commit)}`);
  }
  if (write?.snapshot !== undefined) out.push(`Snapshot ${formatSnapshot(write.snapshot)}`);
  const section = (title: string, items: readonly string[]): void => {
    if (items.length > 0) out.push(`${title}:`, ...indent(items));
  };
  section("Entries", (write?.entries ?? []).map(formatEntry));
  section("Committed", ready.committedEntries.map(formatEntry));
  section("Messages", ready.messages.map(formatMessage));
  section("MessagesAfterWrite", (write?.messagesAfterWrite ?? []).map(formatMessage));
  const reads = ready.readStates;
  section("ReadStates", reads.map((r) => `id=${String(r.requestId)} index=${String(r.index)}`));
  section("DroppedReads", ready.droppedReads.map((id) => `id=${String(id)}`));
  return out.length === 0 ? ["<empty Ready>"] : out;
}

/** One message on one line; see the file comment for the notation. */
export function formatMessage(m: Message): string {
  const head = (type: string): string =>
    `${String(m.from)}->${String(m.to)} ${type} term=${String(m.term)}`;
  switch (m.type) {
    case "vote-request": {
      const transfer = m.leadershipTransfer ? " transfer" : "";
      const type = m.preVote ? "pre-vote-request" : m.type;
      return `${head(type)} last=${at(m.lastLogIndex, m.lastLogTerm)}${transfer}`;
    }
    case "vote-response":
      return `${head(m.preVote ? "pre-vote-response" : m.type)} ${m.granted ? "granted" : "rejected"}`;
    case "append-request": {
      const list = m.entries.map(formatEntry).join(", ");
      const entries = m.entries.length === 0 ? "" : ` entries=[${list}]`;
      const prev = at(m.prevLogIndex, m.prevLogTerm);
      return `${head(m.type)} prev=${prev} commit=${String(m.leaderCommit)}${entries}`;
    }
    case "append-response":
      return m.success
        ? `${head(m.type)} match=${String(m.matchIndex)}`
        : `${head(m.type)} rejected=${String(m.rejectedIndex)} hint=${at(m.hintIndex, m.hintTerm)}`;
    case "heartbeat-request":
      return `${head(m.type)} commit=${String(m.commit)} round=${String(m.readRound)}`;
    case "heartbeat-response":
      return `${head(m.type)} round=${String(m.readRound)}`;
    case "snapshot-request":
      return `${head(m.type)} snapshot=${formatSnapshot(m.snapshot)}`;
    case "timeout-now":
      return head(m.type);
    case "read-index-request":
      return `${head(m.type)} id=${String(m.requestId)}`;
    case "read-index-response": {
      const index = m.readIndex === undefined ? "none" : String(m.readIndex);
      return `${head(m.type)} id=${String(m.requestId)} index=${index}`;
    }
  }
}

/** One entry as `index@term kind`; see the file comment. */
export function formatEntry(entry: Entry): string {
  const position = at(entry.index, entry.term);
  switch (entry.kind) {
    case "noop":
      return `${position} noop`;
    case "config":
      return `${position} config ${formatConfig(decodeMembershipConfig(entry.data))}`;
    case "command": {
      // Short printable data is shown as a string; anything else only by its size.
      const text = new TextDecoder().decode(entry.data);
      const short = entry.data.byteLength <= 16 && /^[\x20-\x7e]*$/.test(text);
      return `${position} ${short ? JSON.stringify(text) : `<${String(entry.data.byteLength)} bytes>`}`;
    }
  }
}

/** A log position as `index@term`. */
function at(index: number, term: number): string {
  return `${String(index)}@${String(term)}`;
}

function formatSnapshot(meta: SnapshotMeta): string {
  return `${at(meta.index, meta.term)} ${formatConfig(meta.config)}`;
}

function formatConfig(config: MembershipConfig): string {
  const learners = config.learners.length > 0 ? ` learners=(${config.learners.join(",")})` : "";
  return `voters=(${config.voters.join(",")})${learners}`;
}

function formatNode(id: NodeId): string {
  return id === 0 ? "none" : String(id);
}

function formatProposal(result: ProposeResult): string {
  return result.ok ? `ok ${at(result.index, result.term)}` : formatRefusal(result.refusal);
}

function formatRequest(result: RequestResult): string {
  return result.ok ? "ok" : formatRefusal(result.refusal);
}

function formatRefusal(refusal: Refusal): string {
  const detail = "detail" in refusal ? ` (${refusal.detail})` : "";
  return `refused: ${refusal.reason} leader-hint=${formatNode(refusal.leaderHint)}${detail}`;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

function link(from: NodeId, to: NodeId): string {
  return `${String(from)}->${String(to)}`;
}
