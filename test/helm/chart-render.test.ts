// Goal: helm/raftkv renders valid Kubernetes objects for 1, 3, 5 and 7 replicas, with TLS on,
// with metrics off and with a ServiceMonitor, and what it renders holds the chart's
// invariants: selectors match the pod labels, Services select the pods, the
// PodDisruptionBudget keeps a quorum, probe ports are numbers, --initial-cluster and --join
// name cluster.initialMembers founding pods by their stable DNS names, and the pods are
// non-root on a read-only root filesystem with a volume per member.
// Method: helm-tool.ts finds a real helm or builds the offline stand-in from ../shared/tools
// (with neither, the test is skipped and its name says why); chart-objects.ts parses the
// output with `yaml` and validates every object with kubernetes-models v4; the assertions
// below read the objects' fields.

import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IProbe } from "kubernetes-models/v1/Probe";
import {
  flagValue, memberContainer, onlyOfKind, ofKind, parseRendered, type RenderedObject,
} from "./chart-objects.js";
import { chartDir, findHelm, whyNoHelm, type HelmTool, type RenderOptions } from "./helm-tool.js";

const helm = findHelm();

if (helm === undefined) {
  test.skip(`helm chart rendering: skipped, ${whyNoHelm() ?? "no helm found"}`, () => {
    // Nothing to run without a helm; the name above carries the reason.
  });
} else {
  describeWith(helm);
}

interface Rendered {
  readonly objects: RenderedObject[];
  readonly statefulSet: IStatefulSet;
  readonly container: IContainer;
  readonly args: readonly string[];
}

function renderWith(tool: HelmTool, options: RenderOptions): Rendered {
  const objects = parseRendered(tool.template(chartDir(), options));
  const statefulSet = onlyOfKind(objects, "StatefulSet");
  const container = memberContainer(statefulSet);
  return { objects, statefulSet, container, args: container.args ?? [] };
}

/** Whether every label in `selector` is in `labels` with the same value. */
function selects(
  selector: Record<string, string> | undefined, labels: Record<string, string> | undefined,
): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels?.[key] === value);
}

function podLabels(statefulSet: IStatefulSet): Record<string, string> {
  return statefulSet.spec?.template.metadata?.labels ?? {};
}

/** Every port a probe names (grpc, httpGet, tcpSocket), as rendered. */
function probePorts(probe: IProbe | undefined): unknown[] {
  if (probe === undefined) return [];
  return [probe.grpc?.port, probe.httpGet?.port, probe.tcpSocket?.port]
    .filter((port) => port !== undefined);
}

function podHost(ordinal: number, namespace = "default", fullname = "raftkv"): string {
  return `${fullname}-${ordinal}.${fullname}-headless.${namespace}.svc.cluster.local`;
}

function checkInvariants(rendered: Rendered, replicas: number, initialMembers: number): void {
  const { objects, statefulSet, container, args } = rendered;
  const spec = statefulSet.spec!;
  expect(spec.replicas).toBe(replicas);
  expect(spec.podManagementPolicy).toBe("Parallel");
  expect(selects(spec.selector.matchLabels, podLabels(statefulSet))).toBe(true);

  const services = ofKind(objects, "Service");
  expect(services).toHaveLength(2);
  for (const service of services) {
    expect(selects(service.spec?.selector, podLabels(statefulSet))).toBe(true);
  }
  const headless = services.find((service) => service.spec?.clusterIP === "None");
  expect(headless?.metadata?.name).toBe(spec.serviceName);
  expect(headless?.spec?.publishNotReadyAddresses).toBe(true);
  const containerPorts = new Map((container.ports ?? [])
    .map((port) => [port.name, port.containerPort]));
  for (const port of services.flatMap((service) => service.spec?.ports ?? [])) {
    expect(typeof port.targetPort).toBe("number");
    expect([...containerPorts.values()]).toContain(port.targetPort);
  }

  const budget = onlyOfKind(objects, "PodDisruptionBudget");
  expect(selects(budget.spec?.selector?.matchLabels, podLabels(statefulSet))).toBe(true);
  const quorum = Math.floor(replicas / 2) + 1;
  const { minAvailable, maxUnavailable } = budget.spec ?? {};
  const keptAvailable = typeof minAvailable === "number" ? minAvailable
    : typeof maxUnavailable === "number" ? replicas - maxUnavailable : Number.NaN;
  expect(keptAvailable).toBe(quorum);

  for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
    expect(probe).toBeDefined();
    const ports = probePorts(probe);
    expect(ports).toHaveLength(1);
    for (const port of ports) {
      expect(typeof port).toBe("number");
      expect([...containerPorts.values()]).toContain(port);
    }
  }
  // gRPC health on the client port; with TLS (the kubelet's probe speaks none) /readyz.
  const readiness = container.readinessProbe;
  if (readiness?.grpc !== undefined) {
    expect(readiness.grpc.port).toBe(containerPorts.get("grpc-client"));
  } else {
    expect(readiness?.httpGet?.path).toBe("/readyz");
  }
  expect(container.livenessProbe?.grpc).toBeUndefined(); // No leader is no reason to restart.

  const founding = Array.from({ length: initialMembers }, (_, ordinal) => ordinal);
  expect(flagValue(args, "--initial-cluster")).toBe(
    founding.map((ordinal) => `${ordinal + 1}=${podHost(ordinal)}:7380`).join(","));
  expect(flagValue(args, "--join"))
    .toBe(founding.map((ordinal) => `${podHost(ordinal)}:7379`).join(","));
  expect(flagValue(args, "--advertise-peer")).toBe("$(POD_NAME).raftkv-headless.default.svc.cluster.local:7380");
  expect(flagValue(args, "--advertise-client")).toBe("$(POD_NAME).raftkv-headless.default.svc.cluster.local:7379");
  expect(flagValue(args, "--listen-client")).toBe("$(POD_IP):7379");
  expect(flagValue(args, "--listen-peer")).toBe("$(POD_IP):7380");
  expect(statefulSet.metadata?.annotations?.["raftkv.io/initial-members"]).toBe(String(initialMembers));
  const env = new Map((container.env ?? [])
    .map((variable) => [variable.name, variable.valueFrom?.fieldRef?.fieldPath]));
  expect(env.get("POD_NAME")).toBe("metadata.name");
  expect(env.get("POD_IP")).toBe("status.podIP");
  expect(container.command?.join(" ")).toContain('--id "$$((ordinal + 1))"');

  const pod = spec.template.spec!;
  expect(pod.securityContext?.runAsNonRoot).toBe(true);
  expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
  expect(container.securityContext?.runAsNonRoot).toBe(true);
  expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
  expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
  expect(container.securityContext?.capabilities?.drop).toEqual(["ALL"]);
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(pod.enableServiceLinks).toBe(false);
  expect(container.resources?.requests).toBeDefined();

  const claims = spec.volumeClaimTemplates ?? [];
  expect(claims.map((claim) => claim.metadata?.name)).toEqual(["data"]);
  const dataMount = container.volumeMounts?.find((mount) => mount.name === "data");
  expect(dataMount?.mountPath).toBe(flagValue(args, "--data-dir"));
  for (const object of objects) expect(object.metadata.name.length).toBeLessThanOrEqual(63);
}

function describeWith(tool: HelmTool): void {
  describe(`helm chart rendering (${tool.description})`, () => {
    test.each([1, 3, 5, 7])("%i replicas: valid objects that keep the invariants", (replicas) => {
      const rendered = renderWith(tool, { sets: [`replicaCount=${String(replicas)}`] });
      checkInvariants(rendered, replicas, replicas);
      expect(ofKind(rendered.objects, "ServiceMonitor")).toHaveLength(0);
      expect(rendered.container.volumeMounts?.map((m) => m.name)).toEqual(["data", "tmp"]);
      expect(rendered.args.filter((arg) => /^--(client|peer)-(cert|key|ca)=/.test(arg))).toEqual([]);
      expect(flagValue(rendered.args, "--listen-metrics")).toBe("$(POD_IP):7381");
      expect(rendered.container.livenessProbe?.httpGet).toMatchObject({ path: "/healthz", port: 7381 });
    });

    test("scaling up keeps initialMembers and leaves the pod template unchanged", () => {
      const three = renderWith(tool, { sets: ["replicaCount=3"] });
      const five = renderWith(tool, { sets: ["replicaCount=5", "cluster.initialMembers=3"] });
      checkInvariants(five, 5, 3);
      // An unchanged template means scaling rolls no existing member.
      expect(five.statefulSet.spec?.template).toEqual(three.statefulSet.spec?.template);
    });

    test("replicaCount below initialMembers is refused", () => {
      expect(() => tool.template(chartDir(), { sets: ["replicaCount=2", "cluster.initialMembers=3"] }))
        .toThrow(/replicaCount 2 is below cluster.initialMembers 3/);
    });

    test("TLS on: the Secrets are mounted read-only and the TLS flags point into them", () => {
      const rendered = renderWith(tool, { sets: [
        "replicaCount=3", "tls.enabled=true", "tls.client.secretName=kv-client-tls",
        "tls.peer.secretName=kv-peer-tls"] });
      checkInvariants(rendered, 3, 3);
      const volumes = rendered.statefulSet.spec?.template.spec?.volumes ?? [];
      const secretOf = (name: string): string | undefined =>
        volumes.find((volume) => volume.name === name)?.secret?.secretName;
      expect(secretOf("tls-client")).toBe("kv-client-tls");
      expect(secretOf("tls-peer")).toBe("kv-peer-tls");
      const mounts = new Map((rendered.container.volumeMounts ?? []).map((m) => [m.name, m]));
      for (const [side, name] of [["client", "tls-client"], ["peer", "tls-peer"]] as const) {
        const mount = mounts.get(name);
        expect(mount?.readOnly).toBe(true);
        expect(flagValue(rendered.args, `--${side}-cert`)).toBe(`${mount!.mountPath}/tls.crt`);
        expect(flagValue(rendered.args, `--${side}-key`)).toBe(`${mount!.mountPath}/tls.key`);
        expect(flagValue(rendered.args, `--${side}-ca`)).toBe(`${mount!.mountPath}/ca.crt`);
      }
      // The kubelet's gRPC probe speaks no TLS: readiness moves to /readyz.
      expect(rendered.container.readinessProbe?.httpGet).toMatchObject({ path: "/readyz", port: 7381 });
    });

    test("TLS on without a Secret name is refused", () => {
      expect(() => tool.template(chartDir(), { sets: ["tls.enabled=true"] }))
        .toThrow(/tls.client.secretName is required/);
    });

    test("metrics off: no metrics port or flag, liveness is a TCP connect", () => {
      const rendered = renderWith(tool, { sets: ["metrics.enabled=false"] });
      expect(flagValue(rendered.args, "--listen-metrics")).toBeUndefined();
      expect(rendered.container.ports?.map((port) => port.name)).toEqual(["grpc-client", "grpc-peer"]);
      expect(rendered.container.livenessProbe?.tcpSocket?.port).toBe(7379);
      const monitorWithoutMetrics = ["metrics.enabled=false", "metrics.serviceMonitor.enabled=true"];
      expect(() => tool.template(chartDir(), { sets: monitorWithoutMetrics }))
        .toThrow(/needs metrics.enabled/);
    });

    test("ServiceMonitor on: it selects the headless Service and scrapes its metrics port", () => {
      const rendered = renderWith(tool, { sets: ["metrics.serviceMonitor.enabled=true",
        "metrics.serviceMonitor.labels.release=prometheus"] });
      const monitor = onlyOfKind(rendered.objects, "ServiceMonitor");
      expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
      expect(monitor.metadata.labels?.release).toBe("prometheus");
      const services = ofKind(rendered.objects, "Service")
        .filter((service) => selects(monitor.spec.selector.matchLabels, service.metadata?.labels));
      expect(services.map((service) => service.metadata?.name)).toEqual(["raftkv-headless"]);
      expect(monitor.spec.endpoints.map((e) => [e.port, e.path])).toEqual([["http-metrics", "/metrics"]]);
      expect(services[0]!.spec?.ports?.map((port) => port.name)).toContain("http-metrics");
    });

    test("another release and namespace: names and DNS follow them", () => {
      const rendered = renderWith(tool, {
        release: "orders", namespace: "shop", sets: ["replicaCount=3"],
      });
      expect(rendered.statefulSet.metadata?.name).toBe("orders-raftkv");
      expect(rendered.statefulSet.spec?.serviceName).toBe("orders-raftkv-headless");
      expect(flagValue(rendered.args, "--initial-cluster")).toBe([0, 1, 2]
        .map((i) => `${i + 1}=${podHost(i, "shop", "orders-raftkv")}:7380`).join(","));
    });
  });
}
