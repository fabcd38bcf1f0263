/**
 * Goal: the Raft core's protocol behaviour, as readable traces: elections, pre-vote,
 * check-quorum, replication and the Figure 8 commit rule, conflict repair, snapshots,
 * membership changes, ReadIndex, leadership transfer and the resource limits.
 * Method: every test/scenarios/*.txt script runs as its own jest test through the
 * data-driven runner, against a fresh InteractionEnv (a deterministic in-memory cluster).
 * Each script's header comment says what it shows. REWRITE=1 regenerates the expected
 * outputs for authoring; the diff must then be read before it is committed.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { runDataDriven } from "../harness/datadriven.js";
import { InteractionEnv } from "../harness/interaction-env.js";

/** This file's own directory, wherever jest was started from. */
function scenarioDirectory(): string {
  const testPath = expect.getState().testPath;
  if (testPath === undefined) throw new Error("jest did not report the path of this test file");
  return dirname(testPath);
}

const scenarioDir = scenarioDirectory();
const scripts = readdirSync(scenarioDir).filter((name) => name.endsWith(".txt")).sort();

describe("Raft core scenarios", () => {
  test("every required scenario is present", () => {
    const required = [
      "checkquorum", "conflicts", "election", "limits", "membership", "prevote", "read-index",
      "replication", "snapshot", "transfer",
    ].map((name) => `${name}.txt`);
    expect(scripts).toEqual(expect.arrayContaining(required));
  });

  test.each(scripts)("%s", (name) => {
    const env = new InteractionEnv();
    runDataDriven(join(scenarioDir, name), (command) => env.handle(command));
  });
});
