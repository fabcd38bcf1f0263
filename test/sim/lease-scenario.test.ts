// Goal: the leader lease holds no longer than the followers honour it (thesis 6.4.1). Method:
// the directed lease scenario (lease-scenario.ts) over several seeds with a correct core: a
// cut-off leader never serves a read after another leader committed, and another leader is
// always elected, so the scenario really reached the dangerous moment.
import { runLeaseScenario } from "./lease-scenario.js";

describe("the leader-lease scenario", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("seed %i: no stale lease read", async (seed) => {
    const result = await runLeaseScenario({ seed, plantedBugs: [] });
    expect(result.newLeaderAtTick).toBeDefined();
    expect(result.violations).toEqual([]);
  });
});
