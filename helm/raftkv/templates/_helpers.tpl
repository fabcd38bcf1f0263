{{/*
Names. The fullname is the release name, with the chart name appended unless the release
name already contains it ("raftkv" -> raftkv, "prod" -> prod-raftkv), cut to 52 characters
so that "<fullname>-headless" and the StatefulSet's controller-revision label stay within
Kubernetes' 63-character limit.
*/}}
{{- define "raftkv.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "raftkv.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The headless Service that gives every pod its stable DNS name. */}}
{{- define "raftkv.headlessName" -}}
{{- printf "%s-headless" (include "raftkv.fullname" .) -}}
{{- end -}}

{{/* Labels that select this release's pods; fixed for the StatefulSet's life. */}}
{{- define "raftkv.selectorLabels" -}}
app.kubernetes.io/name: {{ include "raftkv.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "raftkv.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "raftkv.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: kv-store
{{- end -}}

{{/*
How many pods found the cluster (pods 0..n-1, member ids 1..n). It is fixed at install:
it decides the --initial-cluster text, from which every member derives the cluster id, and
a member's data directory records that id. On `helm upgrade` against a live cluster the
value is read back from the StatefulSet's raftkv.io/initial-members annotation, so leaving
cluster.initialMembers unset while changing replicaCount keeps it; setting it to another
number fails the upgrade. `helm template` (and GitOps tools built on it) cannot look the
StatefulSet up: there cluster.initialMembers must be pinned in the values (NOTES.txt says so).
*/}}
{{- define "raftkv.initialMembers" -}}
{{- $wanted := int (.Values.cluster.initialMembers | default 0) -}}
{{- $fixed := 0 -}}
{{- $existing := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "raftkv.fullname" .) -}}
{{- if $existing -}}
{{- $annotations := $existing.metadata.annotations | default dict -}}
{{- $fixed = int (index $annotations "raftkv.io/initial-members" | default "0") -}}
{{- end -}}
{{- $count := $wanted -}}
{{- if gt $fixed 0 -}}
{{- if and (gt $wanted 0) (ne $wanted $fixed) -}}
{{- fail (printf "cluster.initialMembers is %d, but this release was installed with %d: the founding members are fixed at install (they decide the cluster id); leave it unset or set it to %d" $wanted $fixed $fixed) -}}
{{- end -}}
{{- $count = $fixed -}}
{{- else if eq $wanted 0 -}}
{{- $count = int .Values.replicaCount -}}
{{- end -}}
{{- if lt $count 1 -}}
{{- fail "cluster.initialMembers must be at least 1" -}}
{{- end -}}
{{- if lt (int .Values.replicaCount) $count -}}
{{- fail (printf "replicaCount %d is below cluster.initialMembers %d: pods 0..%d found the cluster and may not be scaled away (an empty founding pod would found a cluster again instead of joining); scale down only members added above them" (int .Values.replicaCount) $count (sub $count 1)) -}}
{{- end -}}
{{- $count -}}
{{- end -}}

{{/* The stable DNS name of pod `ordinal`: <fullname>-<ordinal>.<headless>.<ns>.svc.<domain>. */}}
{{- define "raftkv.podHost" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%d.%s.%s.svc.%s" (include "raftkv.fullname" $root) (int (index . 1)) (include "raftkv.headlessName" $root) $root.Release.Namespace $root.Values.cluster.clusterDomain -}}
{{- end -}}

{{/* This pod's stable DNS name, expanded by Kubernetes from the POD_NAME variable. */}}
{{- define "raftkv.selfHost" -}}
{{- printf "$(POD_NAME).%s.%s.svc.%s" (include "raftkv.headlessName" .) .Release.Namespace .Values.cluster.clusterDomain -}}
{{- end -}}

{{/* --initial-cluster: id=peer address of each founding pod (id = ordinal + 1). */}}
{{- define "raftkv.initialCluster" -}}
{{- $root := . -}}
{{- $entries := list -}}
{{- range $ordinal := until (int (include "raftkv.initialMembers" $root)) -}}
{{- $entries = append $entries (printf "%d=%s:%d" (add1 $ordinal) (include "raftkv.podHost" (list $root $ordinal)) (int $root.Values.ports.peer)) -}}
{{- end -}}
{{- join "," $entries -}}
{{- end -}}

{{/* --join: the client addresses of the founding pods. */}}
{{- define "raftkv.join" -}}
{{- $root := . -}}
{{- $entries := list -}}
{{- range $ordinal := until (int (include "raftkv.initialMembers" $root)) -}}
{{- $entries = append $entries (printf "%s:%d" (include "raftkv.podHost" (list $root $ordinal)) (int $root.Values.ports.client)) -}}
{{- end -}}
{{- join "," $entries -}}
{{- end -}}

{{/* Quorum of n members: floor(n/2) + 1. */}}
{{- define "raftkv.quorum" -}}
{{- add1 (div (int .Values.replicaCount) 2) -}}
{{- end -}}

{{- define "raftkv.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
