// What the kubelet does to a container spec before it runs it, for the parts the raftkv
// chart uses: resolve the env list in order (literal values, which may refer to variables
// above them, and downward-API fieldRefs), then expand $(NAME) references in command and
// args. The expansion follows Kubernetes' own rules (k8s.io/kubernetes
// third_party/forked/golang/expansion): "$$" is a literal "$", "$(NAME)" of a defined
// variable is its value, and any other "$(...)" or "$x" is left as written.

import type { IContainer } from "kubernetes-models/v1/Container";

/** The downward-API fields a pod's containers may read, by fieldPath. */
export type PodFields = Readonly<Record<string, string>>;

/** Expands $(NAME) references in `text` against `variables`, as Kubernetes does. */
export function expandReferences(text: string, variables: ReadonlyMap<string, string>): string {
  let out = "";
  let cursor = 0;
  while (cursor < text.length) {
    const char = text[cursor]!;
    if (char !== "$" || cursor + 1 >= text.length) {
      out += char;
      cursor += 1;
      continue;
    }
    const next = text[cursor + 1]!;
    if (next === "$") {
      out += "$";
      cursor += 2;
    } else if (next === "(") {
      const close = text.indexOf(")", cursor + 2);
      if (close < 0) {
        out += "$(";
        cursor += 2;
        continue;
      }
      const name = text.slice(cursor + 2, close);
      out += variables.get(name) ?? `$(${name})`;
      cursor = close + 1;
    } else {
      out += `$${next}`;
      cursor += 2;
    }
  }
  return out;
}

/**
 * The container's environment as the kubelet builds it: each variable in order, a value
 * expanded against those before it, a fieldRef read from `fields`. Throws on a source the
 * chart should not use (secrets, config maps, resource fields), so the test notices one.
 */
export function containerEnvironment(
  container: IContainer, fields: PodFields,
): Map<string, string> {
  const variables = new Map<string, string>();
  for (const variable of container.env ?? []) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    if (variable.valueFrom !== undefined && fieldPath === undefined) {
      throw new Error(`env ${variable.name}: only fieldRef sources are supported here`);
    }
    if (fieldPath !== undefined) {
      const value = fields[fieldPath];
      if (value === undefined) throw new Error(`env ${variable.name}: no pod field ${fieldPath}`);
      variables.set(variable.name, value);
    } else {
      variables.set(variable.name, expandReferences(variable.value ?? "", variables));
    }
  }
  return variables;
}

/** command + args after expansion: the argv the container's process starts with. */
export function containerArgv(
  container: IContainer, variables: ReadonlyMap<string, string>,
): string[] {
  if (container.command === undefined || container.command.length === 0) {
    throw new Error("the container has no command; the image's entrypoint is not known here");
  }
  return [...container.command, ...(container.args ?? [])]
    .map((word) => expandReferences(word, variables));
}
