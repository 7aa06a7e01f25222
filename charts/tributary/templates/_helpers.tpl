{{/* The chart name, or nameOverride. */}}
{{- define "tributary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix: fullnameOverride, or <release>-<chart> (just <release> when it already contains the chart name). */}}
{{- define "tributary.fullname" -}}
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

{{/* Labels of every object. */}}
{{- define "tributary.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tributary.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the operator pods. */}}
{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tributary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* The operator's ServiceAccount name. */}}
{{- define "tributary.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tributary.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image. */}}
{{- define "tributary.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The namespace the operator watches; empty means all namespaces (cluster-wide RBAC only). */}}
{{- define "tributary.watchNamespace" -}}
{{- if .Values.watchNamespace }}
{{- .Values.watchNamespace }}
{{- else if not .Values.rbac.clusterWide }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/* The leader-election Lease name. */}}
{{- define "tributary.leaseName" -}}
{{- default (printf "%s-leader" (include "tributary.fullname" .)) .Values.leaseName }}
{{- end }}

{{/*
Rules of the operator in the namespaces it manages, one per API call the controller makes
(src/controller/). The worker Role the operator creates grants leases, kafkaconnectors,
kafkaconnectors/status, get on its kafkaconnect and get on referenced secrets; RBAC lets a
subject create a Role only with permissions it holds itself, so the operator holds those
too (rather than the broader `escalate`/`bind` verbs).
*/}}
{{- define "tributary.managerRules" -}}
# Watch KafkaConnects; the finalizer is added and removed by patch; status by apply.
- apiGroups: ["tributary.dev"]
  resources: ["kafkaconnects"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["tributary.dev"]
  resources: ["kafkaconnects/status"]
  verbs: ["patch"]
# Watched and listed by cluster label; the rest is granted on to the workers.
- apiGroups: ["tributary.dev"]
  resources: ["kafkaconnectors"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["tributary.dev"]
  resources: ["kafkaconnectors/status"]
  verbs: ["get", "update", "patch"]
# Worker membership leases are listed for status; the rest is granted on to the workers.
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
# Children: owned (watched), server-side applied (patch, create when new), deleted on cleanup.
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["create", "patch", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["create", "patch", "delete"]
# Events about KafkaConnects (the recorder creates, then patches repeats into a series).
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- if .Values.rbac.grantWorkerSecretReads }}
# Workers get read access to the Secrets their connectors reference (`${secrets:...}`);
# to grant it the operator must hold it.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
{{- end }}
{{- end }}
