import { ENDPOINT_HEALTH_COMMAND } from "./health-command.js";
import { MEMBER_LIST_COMMAND, STATUS_COMMAND } from "./cluster-commands.js";
import type { CommandSpec } from "./command.js";
import { GET_COMMAND } from "./get-command.js";
import {
  MEMBER_ADD_COMMAND, MEMBER_PROMOTE_COMMAND, MEMBER_REMOVE_COMMAND, MEMBER_UPDATE_COMMAND,
} from "./member-commands.js";
import { MOVE_LEADER_COMMAND } from "./move-leader-command.js";
import { SNAPSHOT_SAVE_COMMAND } from "./snapshot-command.js";
import { TXN_COMMAND } from "./txn-command.js";
import { WATCH_COMMAND } from "./watch-command.js";
import { DEL_COMMAND, PUT_COMMAND } from "./write-commands.js";

/** Every raftkvctl command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  GET_COMMAND,
  PUT_COMMAND,
  DEL_COMMAND,
  TXN_COMMAND,
  WATCH_COMMAND,
  STATUS_COMMAND,
  MEMBER_LIST_COMMAND,
  MEMBER_ADD_COMMAND,
  MEMBER_PROMOTE_COMMAND,
  MEMBER_REMOVE_COMMAND,
  MEMBER_UPDATE_COMMAND,
  MOVE_LEADER_COMMAND,
  SNAPSHOT_SAVE_COMMAND,
  ENDPOINT_HEALTH_COMMAND,
];

/**
 * The command the leading positional words name, and how many words that took; undefined
 * when they name none. Two-word commands (`member list`) are matched on both words.
 */
export function findCommand(
  words: readonly string[],
): { readonly command: CommandSpec; readonly wordCount: number } | undefined {
  for (const command of COMMANDS) {
    const name = command.name.split(" ");
    if (name.every((word, i) => words[i] === word)) return { command, wordCount: name.length };
  }
  return undefined;
}

/** The commands whose first word is `word` (`member` gives `member list`), for errors. */
export function commandsStartingWith(word: string): readonly CommandSpec[] {
  return COMMANDS.filter((command) => command.name.split(" ")[0] === word);
}
