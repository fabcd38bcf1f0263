// Goal: what MemoryKvStateMachine must add to the shared KV state machine suite (run
// against it in sqlite-kv-state-machine.test.ts): as an in-memory "disk" it must copy what
// it stores, so a caller that reuses an entry's buffer cannot rewrite the state, and a
// snapshot must be a value, unaffected by later applies.
// Method: example-based unit tests through the public methods.
import type { Entry } from "../core/entry.js";
import { logIndex, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import { encodeKvCommand } from "./kv-command.js";
import { MemoryKvStateMachine } from "./memory-kv-state-machine.js";

const key = Uint8Array.of(1);

function putEntry(index: number, value: number): Entry {
  const data = encodeKvCommand({ type: "put", key, value: Uint8Array.of(value) });
  return { index: logIndex(index), term: term(1), kind: "command", data };
}

describe("MemoryKvStateMachine", () => {
  it("copies keys and values out of the entry it applies", () => {
    const machine = new MemoryKvStateMachine(10);
    const entry = putEntry(1, 5);
    machine.apply([entry]);
    entry.data.fill(0xee);
    expect(Array.from(machine.get(key)?.value ?? [])).toEqual([5]);
  });

  it("takes snapshots that later applies do not change", () => {
    const machine = new MemoryKvStateMachine(10);
    machine.apply([putEntry(1, 5)]);
    const snapshot = machine.snapshot();
    machine.apply([putEntry(2, 6)]);
    machine.restore({ index: logIndex(1), term: term(1), config: makeConfig([1]) }, snapshot);
    expect([machine.appliedIndex(), machine.revision()]).toEqual([1, 1]);
    expect(Array.from(machine.get(key)?.value ?? [])).toEqual([5]);
  });
});
