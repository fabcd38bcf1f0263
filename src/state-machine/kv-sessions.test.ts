// Goal: the exactly-once rules decide by the log alone: a retry gets the remembered reply,
// an older sequence is refused, a first write must open its session at sequence 1, the
// table stays within its bound, and a session unused for the expiry distance ends.
// Method: applyWithSession() and expireSessions() over a Map-backed SessionTable; the
// write counts how often it really ran.
import type { KvCommand, KvResult } from "./kv-types.js";
import { applyWithSession, expireSessions, type SessionTable } from "./kv-sessions.js";

interface Row {
  sequence: number;
  index: number;
  reply: KvResult;
}

function table(): SessionTable & { readonly rows: Map<string, Row> } {
  const rows = new Map<string, Row>();
  return {
    rows,
    get: (id) => {
      const row = rows.get(id);
      return row === undefined ? undefined : { sequence: row.sequence, reply: () => row.reply };
    },
    touch: (id, index) => { rows.get(id)!.index = index; },
    remember: (id, sequence, index, reply) => { rows.set(id, { sequence, index, reply }); },
    size: () => rows.size,
    evictLeastRecentlyUsed: () => {
      const oldest = [...rows].sort((a, b) => a[1].index - b[1].index)[0];
      if (oldest !== undefined) rows.delete(oldest[0]);
    },
    expireUsedBefore: (index) => {
      for (const [id, row] of rows) if (row.index < index) rows.delete(id);
    },
  };
}

const put = (clientId: string, sequence: number): KvCommand => ({
  type: "put", key: Uint8Array.of(1), value: Uint8Array.of(2), session: { clientId, sequence },
});

describe("the exactly-once session rules", () => {
  it("applies once per sequence, answers retries from memory and refuses old ones", () => {
    const sessions = table();
    let writes = 0;
    const apply = (command: KvCommand, index: number): KvResult =>
      applyWithSession(sessions, 10, command, index, 0, () => {
        writes++;
        return { type: "put", revision: index };
      });
    expect(apply(put("c", 1), 1)).toEqual({ type: "put", revision: 1 });
    expect(apply(put("c", 1), 2)).toEqual({ type: "put", revision: 1 });
    expect(apply(put("c", 4), 3)).toEqual({ type: "put", revision: 3 });
    expect(apply(put("c", 2), 4)).toEqual({ type: "stale-sequence", revision: 0, lastSequence: 4 });
    expect(apply(put("other", 2), 5)).toEqual({ type: "session-expired", revision: 0 });
    expect(writes).toBe(2);
  });

  it("expires a session unused for the expiry distance, by log index only", () => {
    const sessions = table();
    applyWithSession(sessions, 10, put("old", 1), 5, 0, () => ({ type: "put", revision: 5 }));
    applyWithSession(sessions, 10, put("young", 1), 90, 0, () => ({ type: "put", revision: 90 }));
    expireSessions(sessions, 100, 50);
    expect([...sessions.rows.keys()]).toEqual(["young"]);
    const retry = applyWithSession(sessions, 10, put("old", 2), 101, 90,
      () => ({ type: "put", revision: 101 }));
    expect(retry).toEqual({ type: "session-expired", revision: 90 });
  });

  it("keeps at most sessionsMax sessions, evicting the least recently used", () => {
    const sessions = table();
    for (let i = 1; i <= 4; i++) {
      applyWithSession(sessions, 2, put(`c${i}`, 1), i, 0, () => ({ type: "put", revision: i }));
    }
    expect([...sessions.rows.keys()].sort()).toEqual(["c3", "c4"]);
  });
});
