/**
 * Where a crash can strike inside a member's own work (docs/testing.md, Fault injection), as
 * behaviours of its ports rather than branches in the driver: the port throws SimCrash, the
 * simulator catches it at the event that led there and discards the incarnation.
 * - "before-write": the log store is asked to start a write and the process dies first; the
 *   Ready's early messages (a leader's appends) may already have left.
 * - "after-write": a write reached the disk, the process dies before hearing of it; the
 *   messages that waited for it never leave.
 * - "before-apply": committed entries are about to be applied; the process dies first.
 */
export type CrashPoint = "before-write" | "after-write" | "before-apply";

export const CRASH_POINTS: readonly CrashPoint[] = ["before-write", "after-write", "before-apply"];

/** Thrown by a simulated port at an armed crash point; never caught inside src/. */
export class SimCrash extends Error {
  override readonly name = "SimCrash";

  constructor(readonly point: CrashPoint) {
    super(`crash at ${point}`);
  }
}

/** One incarnation's armed crash point, shared by its ports; fires once. */
export class CrashSwitch {
  private armed: CrashPoint | undefined;

  arm(point: CrashPoint): void {
    this.armed = point;
  }

  disarm(): void {
    this.armed = undefined;
  }

  /** Throws SimCrash if `point` is armed. */
  check(point: CrashPoint): void {
    if (this.armed !== point) return;
    this.armed = undefined;
    throw new SimCrash(point);
  }
}
