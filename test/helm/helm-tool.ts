// Finds a `helm template` for tests: a real `helm` on PATH, or else the offline stand-in
// `minihelm` built from ../shared/tools (outside this repository, on the project machines;
// its README says what it does and does not mirror). Neither may exist on a given machine, so
// findHelm() returns undefined and whyNoHelm() says why; tests then skip with that message.
// Discovery and rendering are synchronous: rendering is a short subprocess, and it runs while
// no server is up in this process.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../integration/repo-paths.js";
import { findToolOrStandIn } from "../tools/stand-in.js";

/** How one rendering is asked for. Both tools take `template RELEASE CHART -n NS --set k=v`. */
export interface RenderOptions {
  readonly release?: string;
  readonly namespace?: string;
  /** `--set` expressions, e.g. ["replicaCount=5"]; the stand-in takes scalars only. */
  readonly sets?: readonly string[];
}

/** A helm-compatible renderer. */
export interface HelmTool {
  /** Which tool this is and where, for test names. */
  readonly description: string;
  /** Renders the chart's templates to one multi-document YAML string; throws with stderr. */
  template(chartDir: string, options?: RenderOptions): string;
}

type HelmSearch =
  | { readonly tool: HelmTool; readonly reason?: undefined }
  | { readonly tool?: undefined; readonly reason: string };

const RENDER_TIMEOUT_MS = 60_000;

function tool(description: string, path: string): HelmTool {
  return {
    description,
    template: (chartDir, options = {}) => {
      const args = ["template", options.release ?? "raftkv", chartDir,
        "-n", options.namespace ?? "default",
        ...(options.sets ?? []).flatMap((set) => ["--set", set])];
      try {
        return execFileSync(path, args, {
          encoding: "utf8", timeout: RENDER_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (error: unknown) {
        const stderr = (error as { stderr?: unknown }).stderr;
        const detail = typeof stderr === "string" && stderr.trim() !== ""
          ? stderr.trim() : String(error);
        throw new Error(`${path} ${args.join(" ")}: ${detail}`);
      }
    },
  };
}

let search: HelmSearch | undefined;

function searchOnce(): HelmSearch {
  if (search === undefined) {
    const found = findToolOrStandIn("helm", "minihelm");
    search = found.path === undefined ? { reason: found.reason } : {
      tool: tool(found.standIn
        ? `minihelm (the offline helm stand-in) at ${found.path}` : `helm at ${found.path}`,
      found.path),
    };
  }
  return search;
}

/**
 * A real helm on PATH, else the stand-in (built on first use, about a minute on a fresh
 * machine); undefined when neither is available. Searched once per process.
 */
export function findHelm(): HelmTool | undefined {
  return searchOnce().tool;
}

/** Why findHelm() found nothing, for a test's skip message; undefined when it found one. */
export function whyNoHelm(): string | undefined {
  return searchOnce().reason;
}

/** The chart's directory in this checkout. */
export function chartDir(): string {
  return join(repoRoot(), "helm", "raftkv");
}
