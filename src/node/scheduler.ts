/**
 * Time as the driver sees it: the one port through which a RaftNode reads a clock or
 * schedules work. Production passes SystemScheduler (src/runtime); tests pass
 * ManualScheduler and the simulator its own, so a seed replays every run exactly. No code
 * in src/node calls a timer itself (test/tidy.test.ts enforces it).
 */
export interface Scheduler {
  /** Monotonic milliseconds, for deadlines. */
  nowMs(): number;
  /**
   * Runs `task` after the current turn, before any timer: proposals made in one turn share
   * one Ready, so one write and one append per follower (group commit).
   */
  soon(task: () => void): void;
  /** Runs `task` every `intervalMs` until the returned function is called. */
  every(intervalMs: number, task: () => void): () => void;
}
