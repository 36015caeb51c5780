{{/*
Chart name, truncated to 63 characters (the limit of a DNS label).
*/}}
{{- define "posthog-settings-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects: the release name, prefixed to the chart name unless it already contains it.
*/}}
{{- define "posthog-settings-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "posthog-settings-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object of the release.
*/}}
{{- define "posthog-settings-operator.labels" -}}
helm.sh/chart: {{ include "posthog-settings-operator.chart" . }}
{{ include "posthog-settings-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ include "posthog-settings-operator.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: posthog-settings-operator
{{- end }}

{{/*
Labels that select the operator's pods; they never change across upgrades.
*/}}
{{- define "posthog-settings-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "posthog-settings-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Image tag: the value, or the chart's appVersion.
*/}}
{{- define "posthog-settings-operator.version" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "posthog-settings-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "posthog-settings-operator.version" .) }}
{{- end }}

{{/*
Name of the ServiceAccount the operator runs as.
*/}}
{{- define "posthog-settings-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "posthog-settings-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The rules the operator needs in every namespace it watches: its own resources and their status, the ConfigMaps and
Secret it projects (and the Secrets it reads), the workloads whose pod template it annotates (server-side apply is a
patch), and Events in both API groups.
*/}}
{{- define "posthog-settings-operator.rules" -}}
- apiGroups: ["posthog-operator.dev"]
  resources: ["instancesettings", "instancestaffs"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
- apiGroups: ["posthog-operator.dev"]
  resources: ["instancesettings/status", "instancestaffs/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: [""]
  resources: ["configmaps", "secrets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
