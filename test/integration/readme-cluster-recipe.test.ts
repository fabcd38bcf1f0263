// Goal: the README's "three-member cluster by hand" recipe works as written, and so does
// its restart recipe: the same command line brings a stopped member back, its listen
// addresses following from its --initial-cluster entry, and it catches up.
// Method: the README's shell block is read from README.md; each `node dist/src/main.js`
// line runs through bash (exec, so the PID is the member's) in a temp directory, after the
// block's own INITIAL= line, with only the README's peer ports swapped for free ones (and
// the client ports one below them, as the README's rule says) and `dist/src/main.js` made
// absolute. The `npm run build` line is skipped: the test runs on the build. Members are
// stopped by PID.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemberProcess } from "./member-process.js";
import { HEALTH_SERVING, RaftkvClient } from "./raftkv-client.js";
import { repoRoot } from "./repo-paths.js";
import { waitUntil } from "./wait-until.js";

const README_PEER_PORTS = [7380, 7480, 7580];

/** The README block that starts a cluster by hand: its INITIAL= line and member lines. */
function readmeRecipe(): { initial: string; members: string[] } {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? "").find((text) => text.includes("INITIAL="));
  if (block === undefined) throw new Error("README.md has no block with INITIAL=");
  const lines = block.split("\n").filter((line) => line.trim() !== "");
  const initial = lines.find((line) => line.startsWith("INITIAL="));
  const members = lines.filter((line) => line.startsWith("node dist/src/main.js"));
  if (initial === undefined || members.length !== 3) throw new Error(`unexpected recipe:\n${block}`);
  return { initial, members };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Three peer ports 100 apart, each with its client port (one below) free too. */
async function freePeerPorts(): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const peers = [base, base + 100, base + 200];
    const all = peers.flatMap((port) => [port, port - 1]);
    if ((await Promise.all(all.map(portFree))).every(Boolean)) return peers;
  }
  throw new Error("no free ports found");
}

describe("the README's cluster-by-hand and restart recipes", () => {
  const workDir = mkdtempSync(join(tmpdir(), "raftkv-readme-"));
  const members: MemberProcess[] = [];
  const clients: RaftkvClient[] = [];

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const member of members) await member.forceStop();
    rmSync(workDir, { recursive: true, force: true });
  });

  test("three members start from the README's lines, and a stopped one restarts from its own", async () => {
    const recipe = readmeRecipe();
    const peers = await freePeerPorts();
    const swap = (text: string): string => README_PEER_PORTS.reduce(
      (out, port, i) => out.replaceAll(`:${port}`, `:${peers[i]!}`), text);
    const binary = join(repoRoot(), "dist", "src", "main.js");
    recipe.members.forEach((line, i) => {
      const command = `cd '${workDir}' && ${swap(recipe.initial)} && exec ` +
        line.replace(/^node dist\/src\/main\.js/, `'${process.execPath}' '${binary}'`);
      const member = new MemberProcess({
        id: i + 1, clientAddress: `127.0.0.1:${peers[i]! - 1}`, peerAddress: `127.0.0.1:${peers[i]!}`,
        dataDir: join(workDir, "data", String(i + 1)), logDir: workDir,
      }, ["bash", "-c", command]);
      member.start();
      members.push(member);
      clients.push(new RaftkvClient(member.spec.clientAddress));
    });
    const serving = async (client: RaftkvClient): Promise<true | undefined> => {
      const status = await client.healthStatus({ deadlineMs: 500 }).catch(() => 0);
      return status === HEALTH_SERVING ? true : undefined;
    };
    try {
      for (const client of clients) await waitUntil("every member serving", 30_000, () => serving(client));
      await clients[0]!.put({ key: "recipe", value: Buffer.from("before") });

      members[1]!.signal("SIGTERM");
      expect((await members[1]!.waitForExit(15_000)).code).toBe(0);
      // If 2 led, 1 answers UNAVAILABLE (naming 2) until it sees the next leader: retry.
      await waitUntil("a write after member 2 stopped", 15_000, async () =>
        clients[0]!.put({ key: "recipe", value: Buffer.from("after") }).then(() => true));
      members[1]!.start(); // The README's line again, unchanged.
      await waitUntil("member 2 serving again", 30_000, () => serving(clients[1]!));
      const read = await clients[1]!.get({ key: "recipe" }, { deadlineMs: 10_000 });
      expect(read.kv?.value.toString()).toBe("after");
    } catch (error) {
      for (const member of members) process.stderr.write(`member ${member.spec.id}:\n${member.logTail()}\n`);
      throw error;
    }
  });
});
