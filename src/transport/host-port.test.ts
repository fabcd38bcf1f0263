// Goal: one host:port rule serves flags and membership calls alike.
import { portOf } from "./host-port.js";

describe("portOf", () => {
  test.each([
    ["127.0.0.1:2379", 2379], ["raftkv-0.raftkv:2380", 2380], ["[::1]:7", 7],
    [" 10.0.0.1:0 ", 0], ["localhost:65535", 65535],
  ])("%s has port %d", (text, port) => {
    expect(portOf(text)).toBe(port);
  });

  test.each([
    "127.0.0.1", ":2379", "host:65536", "host:123456", "[::1:7", "a b:1", "host:port", "",
    "http://host:1",
  ])("%s is not host:port", (text) => {
    expect(portOf(text)).toBeUndefined();
  });
});
