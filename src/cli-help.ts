import { FLAG_DOCS, FLAG_GROUPS, type FlagDoc } from "./cli-flags.js";

const FLAG_COLUMN_CHARS = 38;

/**
 * `raftkv --help`: every flag by group, each with its environment variable, its default and
 * its meaning, all from FLAG_DOCS (the same table README's configuration section shows).
 */
export function helpText(version: string): string {
  const sections = FLAG_GROUPS.map((group) => {
    const docs = FLAG_DOCS.filter((doc) => doc.group === group);
    return [`${group}:`, ...docs.flatMap(flagLines)].join("\n");
  });
  const other = [
    "Other:",
    `  ${"-h, --help".padEnd(FLAG_COLUMN_CHARS)}print this help and exit`,
    `  ${"--version".padEnd(FLAG_COLUMN_CHARS)}print the version and exit`,
  ].join("\n");
  // Named here so an operator who lost a quorum finds it; its own help says the rest.
  const recover = [
    "Recovering from quorum loss:",
    `  ${"recover --data-dir <dir>".padEnd(FLAG_COLUMN_CHARS)}make this member the only voter`,
    "      when a majority of members is lost for good; run it while the member is stopped,",
    "      then start it with its usual flags (raftkv recover --help; README, Operations)",
  ].join("\n");
  const restore = [
    "Restoring a backup:",
    `  ${"restore --from <file> [member flags]".padEnd(FLAG_COLUMN_CHARS)}found a new cluster from`,
    "      a backup (raftkvctl snapshot save) in an empty --data-dir; run it for every member",
    "      of --initial-cluster, then start them (raftkv restore --help; README, Operations)",
  ].join("\n");
  return [
    `raftkv ${version}: one member of a raftkv cluster (Raft, gRPC, SQLite).`,
    "",
    "Usage: raftkv [flags]",
    "       raftkv recover --data-dir <dir>",
    "       raftkv restore --from <file> [member flags]",
    "",
    "Every flag can also be set by its environment variable; a flag wins over its variable.",
    "With no flags, raftkv runs a single-member cluster: clients on 127.0.0.1:7379, peers on",
    "127.0.0.1:7380, data in ./data/default. A member restarted with the same --id, --data-dir",
    "and --initial-cluster listens where its --initial-cluster entry says.",
    "",
    ...sections.flatMap((section) => [section, ""]),
    other,
    "",
    recover,
    "",
    restore,
    "",
  ].join("\n");
}

function flagLines(doc: FlagDoc): string[] {
  const usage = `${doc.flag} ${doc.value}`;
  return [
    `  ${usage.padEnd(FLAG_COLUMN_CHARS)}${doc.env}`,
    `      ${doc.meaning}`,
    `      default: ${doc.fallback}`,
  ];
}
