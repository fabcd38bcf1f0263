import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * raftkvctl's version: that of the raftkv package holding `directory`, read from the nearest
 * package.json named "raftkv" above it (the checkout when run from dist/, the installed
 * package from node_modules/raftkv/dist). package.json is the one place it is written.
 */
export function raftkvVersion(directory: string): string {
  for (let current = directory; ; current = dirname(current)) {
    const manifest = join(current, "package.json");
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (parsed.name === "raftkv" && typeof parsed.version === "string") return parsed.version;
    }
    if (dirname(current) === current) return "unknown";
  }
}
