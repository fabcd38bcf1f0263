// Goal: the grpcurl and raftkvctl recipes in README.md work as written: every `grpcurl` line
// and every raftkvctl line of the README's shell blocks runs against a real three-member
// cluster, in README order, and answers what the README says (the Put is readable, the
// compare-and-swap Txn succeeds, a watch is created and sees the write that follows it).
// Method: ClusterHarness starts three members on free ports; each README line runs through
// bash with `grpcurl` replaced by the tool test/tools/grpcurl.ts finds (a real grpcurl, or
// the offline stand-in, which takes grpcurl's command line) and the README's client
// addresses (127.0.0.1:7379/7479/7579) replaced by the members'. A watch streams until it
// is stopped, so its line gets `-max-time` added (raftkvctl's watch gets SIGINT after a few
// seconds); raftkvctl's default endpoint comes from RAFTKVCTL_ENDPOINTS. Without any grpcurl
// the test is skipped and its name says why.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { findGrpcurl, whyNoGrpcurl, type GrpcurlTool } from "../tools/grpcurl.js";
import { ClusterHarness } from "./cluster-harness.js";
import { repoRoot } from "./repo-paths.js";

const README_ADDRESSES = ["127.0.0.1:7379", "127.0.0.1:7479", "127.0.0.1:7579"];
// Long enough for a loaded machine to start the tool, connect and replay the history.
const WATCH_SECONDS = 6;

/** Every line of the README's ```sh blocks for which `wanted` holds, in order. */
function readmeLines(wanted: (line: string) => boolean): string[] {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
  return blocks.flatMap((block) => block.split("\n")).filter(wanted);
}

function readmeGrpcurlLines(): string[] {
  return readmeLines((line) => line.startsWith("grpcurl "));
}

const CTL = "node dist/src/ctl/main.js";

function runLine(
  line: string, env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["-c", line], { timeout: 30_000, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

const grpcurl = findGrpcurl();

if (grpcurl === undefined) {
  test.skip(`README grpcurl recipes: skipped, ${whyNoGrpcurl() ?? "no grpcurl found"}`, () => {
    // Nothing to run without a grpcurl; the name above carries the reason.
  });
} else {
  describeWith(grpcurl);
}

function describeWith(tool: GrpcurlTool): void {
  describe(`the README's grpcurl recipes (${tool.description})`, () => {
    let cluster: ClusterHarness | undefined;

    beforeAll(async () => {
      cluster = await ClusterHarness.start({ size: 3 });
    });

    afterAll(async () => {
      await cluster?.destroy();
    });

    test("every grpcurl line runs as written and answers what the README says", async () => {
      const c = cluster!;
      await c.withLogs(async () => {
        await c.waitForLeader();
        const addresses = c.ids().map((id) => c.member(id).spec.clientAddress);
        const lines = readmeGrpcurlLines();
        expect(lines.length).toBeGreaterThanOrEqual(10);
        const outputs: string[] = [];
        for (const line of lines) {
          let command = line.replace(/^grpcurl /, `${tool.path} `);
          README_ADDRESSES.forEach((address, i) => {
            command = command.replaceAll(address, addresses[i]!);
          });
          const watching = line.includes("/Watch");
          if (watching) {
            command = command.replace(" -plaintext ", ` -plaintext -max-time ${WATCH_SECONDS} `);
          }
          const result = await runLine(command);
          if (!watching) {
            const outcome = { line, code: result.code, stderr: result.stderr };
            expect(outcome).toEqual({ line, code: 0, stderr: "" });
          } else {
            expect(result.stdout).toMatch(/"created": true/);
          }
          outputs.push(result.stdout);
        }
        const all = outputs.join("\n");
        expect(all).toContain("raftkv.kv.v1.KV"); // list
        expect(all).toContain('"d29ybGQ="'); // the Get of hello sees "world"
        expect(all).toMatch(/"succeeded": true/); // the compare-and-swap won
        expect(all).toContain('"SERVING"');
        // The second watch starts at revision 1: it replays the README's writes to lock.
        expect(outputs.at(-1)).toContain('"bWluZQ=="');
      });
    });

    test("every raftkvctl line runs as written (its default endpoint set to member 1)", async () => {
      const c = cluster!;
      await c.withLogs(async () => {
        await c.waitForLeader();
        const addresses = c.ids().map((id) => c.member(id).spec.clientAddress);
        const env = { ...process.env, RAFTKVCTL_ENDPOINTS: addresses[0]! };
        const lines = readmeLines((line) => line.includes(CTL));
        expect(lines.length).toBeGreaterThanOrEqual(5);
        const outputs: string[] = [];
        for (const line of lines) {
          let command = line.replaceAll(CTL, `'${process.execPath}' '${join(repoRoot(), "dist", "src", "ctl", "main.js")}'`);
          README_ADDRESSES.forEach((address, i) => {
            command = command.replaceAll(address, addresses[i]!);
          });
          // A watch runs until Ctrl-C: send it SIGINT after a few seconds. --foreground: once,
          // as a terminal's Ctrl-C does. Without it timeout signals the command and then its
          // whole process group; a second SIGINT after the watch stopped listening kills it.
          const watching = / watch /.test(line);
          if (watching) {
            command = `timeout --foreground --preserve-status -s INT ${WATCH_SECONDS} ${command}`;
          }
          const result = await runLine(command, env);
          const outcome = { line, code: result.code, stderr: result.stderr };
          expect(outcome).toEqual({ line, code: 0, stderr: "" });
          outputs.push(result.stdout);
        }
        const all = outputs.join("\n");
        expect(all).toContain("greeting\nhello\n"); // get greeting
        expect(all).toContain("SUCCESS"); // the txn's compare held
      });
    });
  });
}
