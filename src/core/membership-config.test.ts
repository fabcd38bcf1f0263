import { nodeId } from "./ids.js";
import {
  addressOf, applyConfigChange, decodeMembershipConfig, encodeMembershipConfig, makeConfig,
  type AddressRecord,
} from "./membership-config.js";
import type { MembershipConfig } from "./entry.js";

const at = (port: number, autoPromote = false): AddressRecord => ({
  peerAddress: `127.0.0.1:${port}`, clientAddress: `127.0.0.1:${port - 1}`, autoPromote,
});

function change(
  config: MembershipConfig, ...args: Parameters<typeof applyConfigChange>[1][]
): MembershipConfig {
  let current = config;
  for (const next of args) {
    const result = applyConfigChange(current, next);
    if (typeof result === "string") throw new Error(result);
    current = result;
  }
  return current;
}

describe("membership configurations with addresses", () => {
  const one = nodeId(1);
  const four = nodeId(4);

  test("an add records the address; a promotion keeps it and ends auto-promotion", () => {
    const added = change(makeConfig([1, 2, 3]), { type: "add-learner", node: four, address: at(7480, true) });
    expect(added.learners).toEqual([4]);
    expect(addressOf(added, four)).toEqual({ id: 4, ...at(7480, true) });
    const promoted = change(added, { type: "add-voter", node: four });
    expect(promoted.voters).toEqual([1, 2, 3, 4]);
    expect(addressOf(promoted, four)).toEqual({ id: 4, ...at(7480, false) });
  });

  test("set-address moves a member without changing who votes; remove drops its record", () => {
    const config = change(makeConfig([1, 2]),
      { type: "set-address", node: one, address: at(9000) },
      { type: "add-learner", node: four, address: at(7480) });
    expect(config.voters).toEqual([1, 2]);
    expect(config.addresses?.map((record) => record.id)).toEqual([1, 4]);
    const moved = change(config, { type: "set-address", node: one, address: at(9100) });
    expect(addressOf(moved, one)?.peerAddress).toBe("127.0.0.1:9100");
    const removed = change(moved, { type: "remove", node: four });
    expect(removed.addresses?.map((record) => record.id)).toEqual([1]);
    expect(applyConfigChange(removed, { type: "set-address", node: four, address: at(1) }))
      .toBe("node 4 is not a member");
  });

  test("encoding keeps version 1 bytes without addresses and round-trips version 2", () => {
    const plain = makeConfig([1, 2, 3]);
    expect(new TextDecoder().decode(encodeMembershipConfig(plain)))
      .toBe('{"v":1,"voters":[1,2,3],"learners":[]}');
    const addressed = change(plain, { type: "set-address", node: one, address: at(7380) });
    expect(decodeMembershipConfig(encodeMembershipConfig(addressed))).toEqual(addressed);
  });

  test("a malformed address record is refused on decode", () => {
    const bytes = new TextEncoder().encode(
      '{"v":2,"voters":[1],"learners":[],"addresses":[{"id":1,"peerAddress":5}]}');
    expect(() => decodeMembershipConfig(bytes)).toThrow(/address record is malformed/);
    const stranger = new TextEncoder().encode(
      '{"v":2,"voters":[1],"learners":[],"addresses":[{"id":2,"peerAddress":"a:1",' +
      '"clientAddress":"a:0","autoPromote":false}]}');
    expect(() => decodeMembershipConfig(stranger)).toThrow(/not a member/);
  });
});
