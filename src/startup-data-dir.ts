import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { describeSystemError, StartupError } from "./startup-error.js";

/**
 * Makes sure `--data-dir` exists (creating it and its parents) and that this process can
 * list, read and write it, before SQLite opens anything inside. A directory that fails here
 * is reported as one line naming the flag and the path (StartupError), rather than as a
 * SQLite "unable to open database file" with a stack.
 */
export function prepareDataDirectory(path: string): void {
  const subject = `--data-dir ${path}`;
  try {
    mkdirSync(path, { recursive: true });
  } catch (error: unknown) {
    throw new StartupError(subject, `cannot create it: ${describeSystemError(error)}`, {
      cause: error,
    });
  }
  if (!statSync(path).isDirectory()) throw new StartupError(subject, "is not a directory");
  try {
    accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error: unknown) {
    throw new StartupError(subject, `cannot read and write it: ${describeSystemError(error)}`, {
      cause: error,
    });
  }
}
