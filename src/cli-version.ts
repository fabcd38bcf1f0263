import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * raftkv's version, from the package.json of the raftkv package that holds `directory`
 * (the nearest one named "raftkv" above it): the checkout when run from dist/, the installed
 * package when run from node_modules/raftkv/dist. package.json is the one place it is written.
 */
export function packageVersion(directory: string): string {
  for (let current = directory; ; current = dirname(current)) {
    const manifest = join(current, "package.json");
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown; version?: unknown };
      if (parsed.name === "raftkv" && typeof parsed.version === "string") return parsed.version;
    }
    if (dirname(current) === current) return "unknown";
  }
}
