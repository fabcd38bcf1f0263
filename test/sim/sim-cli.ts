// The seed sweeper and replayer (docs/testing.md, "Seed sweeps" and "Seed replay"):
// `node dist/test/sim/sim-cli.js` after `npm run build`.
//   SEEDS=n   how many seeds to run (default 100), starting at START (default 1)
//   SEED=s    replay one seed with a readable trace on stdout, one line per event
//   VOTERS, LEARNERS, MODE (safety|liveness), PREVOTE, CHECKQUORUM (0|1), BUGS (comma list),
//   LYING_DISK (0|1: the disk reports writes durable early), PAUSED_CLOCK (0|1: members'
//   clocks stand still while paused), REPEATING_RANDOM (0|1: a restarted member draws its
//   previous life's random stream), REFUSE_NON_MEMBERS (0|1: members refuse every request
//   from outside their configuration), NEW_SEQUENCE_RETRIES (0|1: clients retry a write with a
//   new sequence, so the session table cannot recognise it), LEASE_PERCENT (the share of runs
//   with lease reads, 0-100) and FINAL_MICROS (the final-reads or recovery budget) shape the
//   runs. Before the last line, one line sums the power-loss model and one the exactly-once
//   checker (writes, retries, answers from the session table, double applications).
// The last line is exactly `seeds: N, violations: V`; the exit code is 1 on any violation.
import type { PlantedBug } from "../../src/core/raft-config.js";
import { addExactlyOnce, describeExactlyOnce, noExactlyOnce } from "./exactly-once.js";
import { addPowerLoss, describePowerLoss, noPowerLoss } from "./power-loss.js";
import { DEFAULT_SIM_OPTIONS, replayHint, runSimulation, type SimOptions } from "./simulator.js";

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

function envFlag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  return raw === undefined || raw === "" ? fallback : raw === "1" || raw === "true";
}

function optionsFor(seed: number): SimOptions {
  const bugs = (process.env["BUGS"] ?? "").split(",").filter((bug) => bug !== "") as PlantedBug[];
  return {
    ...DEFAULT_SIM_OPTIONS,
    seed,
    voters: envNumber("VOTERS", DEFAULT_SIM_OPTIONS.voters),
    learners: envNumber("LEARNERS", DEFAULT_SIM_OPTIONS.learners),
    mode: process.env["MODE"] === "liveness" ? "liveness" : "safety",
    preVote: envFlag("PREVOTE", DEFAULT_SIM_OPTIONS.preVote),
    checkQuorum: envFlag("CHECKQUORUM", DEFAULT_SIM_OPTIONS.checkQuorum),
    plantedBugs: bugs,
    diskLiesAboutDurability: envFlag("LYING_DISK", false),
    pausedClock: envFlag("PAUSED_CLOCK", false),
    randomRepeatsAcrossRestarts: envFlag("REPEATING_RANDOM", false),
    refuseRequestsFromNonMembers: envFlag("REFUSE_NON_MEMBERS", false),
    retryWritesWithNewSequence: envFlag("NEW_SEQUENCE_RETRIES", false),
    leaseReadsShare: envNumber("LEASE_PERCENT", DEFAULT_SIM_OPTIONS.leaseReadsShare * 100) / 100,
    finalMicros: envNumber("FINAL_MICROS", DEFAULT_SIM_OPTIONS.finalMicros),
  };
}

async function replay(seed: number): Promise<number> {
  process.stdout.write(`seed ${seed}\n`);
  const result = await runSimulation({ ...optionsFor(seed), traceSink: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`events: ${result.events}, virtual time: ${result.virtualMicros}us, ops: ${result.history.length}, trace ${result.traceDigest}\n`);
  process.stdout.write(`${describePowerLoss(result.powerLoss)}\n`);
  process.stdout.write(`${describeExactlyOnce(result.exactlyOnce)}\n`);
  if (result.violation !== undefined) process.stdout.write(`VIOLATION: ${result.violation}\n`);
  process.stdout.write(`seeds: 1, violations: ${result.violation === undefined ? 0 : 1}\n`);
  return result.violation === undefined ? 0 : 1;
}

async function sweep(start: number, count: number): Promise<number> {
  const failing: number[] = [];
  const powerLoss = noPowerLoss();
  const exactlyOnce = noExactlyOnce();
  const startedMs = performance.now();
  for (let i = 0; i < count; i++) {
    const seed = start + i;
    const result = await runSimulation(optionsFor(seed));
    addPowerLoss(powerLoss, result.powerLoss);
    addExactlyOnce(exactlyOnce, result.exactlyOnce);
    if (result.violation !== undefined) {
      failing.push(seed);
      process.stdout.write(`seed ${seed}: VIOLATION ${result.violation}\n  replay: ${replayHint(seed)}\n`);
    }
    if ((i + 1) % 100 === 0) {
      const seconds = (performance.now() - startedMs) / 1000;
      process.stdout.write(`progress: ${i + 1}/${count} seeds, ${failing.length} violations, ${(((i + 1) / seconds)).toFixed(1)} seeds/s\n`);
    }
  }
  if (failing.length > 0) process.stdout.write(`failing seeds: ${failing.join(" ")}\n`);
  process.stdout.write(`${describePowerLoss(powerLoss)}\n`);
  process.stdout.write(`${describeExactlyOnce(exactlyOnce)}\n`);
  process.stdout.write(`seeds: ${count}, violations: ${failing.length}\n`);
  return failing.length === 0 ? 0 : 1;
}

const replaySeed = process.env["SEED"];
process.exitCode = await (replaySeed !== undefined && replaySeed !== ""
  ? replay(envNumber("SEED", 0))
  : sweep(envNumber("START", 1), envNumber("SEEDS", 100)));
