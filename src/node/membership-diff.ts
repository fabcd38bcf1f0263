import type { MembershipConfig } from "../core/entry.js";
import { isLearner, isMember } from "../core/membership-config.js";
import type { NodeEvent } from "./node-events.js";

/** The member-added / member-removed events between two configurations. */
export function diffMembers(before: MembershipConfig, after: MembershipConfig): NodeEvent[] {
  const events: NodeEvent[] = [];
  for (const id of [...after.voters, ...after.learners]) {
    const wasLearner = isLearner(before, id);
    const nowLearner = isLearner(after, id);
    if (!isMember(before, id) || wasLearner !== nowLearner) {
      events.push({ type: "member-added", member: id, learner: nowLearner });
    }
  }
  for (const id of [...before.voters, ...before.learners]) {
    if (!isMember(after, id)) events.push({ type: "member-removed", member: id });
  }
  return events;
}
