// The rendered chart as objects: parses `helm template` output, checks each object against
// the Kubernetes schema (kubernetes-models v4, offline), and picks out the parts the tests
// look at. Schema errors throw with the object's kind and name, so a bad template fails where
// it is rendered.

import { parseAllDocuments } from "yaml";
import { StatefulSet, type IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import {
  PodDisruptionBudget, type IPodDisruptionBudget,
} from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Service, type IService } from "kubernetes-models/v1/Service";
import type { IContainer } from "kubernetes-models/v1/Container";

/** One rendered object: apiVersion, kind and name are always present. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** The kinds the chart renders that kubernetes-models knows, with their validators. */
const MODELS: Readonly<Record<string, (object: unknown) => void>> = {
  "apps/v1/StatefulSet": (object) => new StatefulSet(object as IStatefulSet).validate(),
  "v1/Service": (object) => new Service(object as IService).validate(),
  "policy/v1/PodDisruptionBudget": (object) =>
    new PodDisruptionBudget(object as IPodDisruptionBudget).validate(),
};

/** Kinds with no model in kubernetes-models (CRDs); the tests check their fields directly. */
const CUSTOM_KINDS = new Set(["monitoring.coreos.com/v1/ServiceMonitor"]);

/**
 * Parses multi-document YAML (empty documents skipped); throws on YAML errors, on an object
 * without apiVersion, kind or name, on a kind this chart should not render, and on any object
 * the Kubernetes schema rejects.
 */
export function parseRendered(text: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`YAML error: ${document.errors[0]!.message}`);
    const object = document.toJS() as unknown;
    if (object === null || object === undefined) continue;
    const rendered = object as Partial<RenderedObject>;
    if (typeof rendered.apiVersion !== "string" || typeof rendered.kind !== "string" ||
      typeof rendered.metadata?.name !== "string") {
      throw new Error(`a rendered document lacks apiVersion, kind or name: ${
        JSON.stringify(object)}`);
    }
    const key = `${rendered.apiVersion}/${rendered.kind}`;
    const validate = MODELS[key];
    if (validate === undefined && !CUSTOM_KINDS.has(key)) throw new Error(`unexpected kind ${key}`);
    try {
      validate?.(object);
    } catch (error: unknown) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`${key} ${rendered.metadata.name} fails the schema: ${detail}`);
    }
    objects.push(rendered as RenderedObject);
  }
  return objects;
}

/** The fields of a Prometheus Operator ServiceMonitor the tests read (no model exists). */
export interface ServiceMonitorObject extends RenderedObject {
  readonly spec: {
    readonly selector: { readonly matchLabels: Record<string, string> };
    readonly endpoints: readonly { readonly port: string; readonly path: string }[];
  };
}

/** The kinds the chart renders, by name, with their types. */
export interface ChartKinds {
  readonly StatefulSet: IStatefulSet;
  readonly Service: IService;
  readonly PodDisruptionBudget: IPodDisruptionBudget;
  readonly ServiceMonitor: ServiceMonitorObject;
}

/** The objects of `kind` (parseRendered checked them against their schema). */
export function ofKind<K extends keyof ChartKinds>(
  objects: readonly RenderedObject[], kind: K,
): ChartKinds[K][] {
  return objects.filter((object) => object.kind === kind) as unknown as ChartKinds[K][];
}

/** The only object of `kind`; throws unless there is exactly one. */
export function onlyOfKind<K extends keyof ChartKinds>(
  objects: readonly RenderedObject[], kind: K,
): ChartKinds[K] {
  const found = ofKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${String(found.length)}`);
  return found[0]!;
}

/** The StatefulSet's raftkv container; throws if the chart rendered no such thing. */
export function memberContainer(statefulSet: IStatefulSet): IContainer {
  const container = statefulSet.spec?.template.spec?.containers.find((c) => c.name === "raftkv");
  if (container === undefined) throw new Error("the StatefulSet has no container named raftkv");
  return container;
}

/** The value of `--name=value` among `args`, or undefined when it is absent. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  const matches = args.filter((arg) => arg.startsWith(prefix));
  if (matches.length > 1) throw new Error(`${name} is given ${String(matches.length)} times`);
  return matches[0]?.slice(prefix.length);
}
