{{/* The name of every object of the release: "ferry", or <release>-ferry. */}}
{{- define "ferry.fullname" -}}
{{- if eq .Release.Name .Chart.Name -}}
{{- .Chart.Name -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the operator's pods. */}}
{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "ferry.labels" -}}
{{ include "ferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: ferry
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The image, with the chart's appVersion as the default tag. */}}
{{- define "ferry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* "true" when the operator reads a git repository or GitHub at all. */}}
{{- define "ferry.hasGit" -}}
{{- if or .Values.gitops.git.url .Values.gitops.credentials.urlKey .Values.gitops.github.repo -}}true{{- end -}}
{{- end -}}

{{/* "true" when Ferry itself applies what git declares. */}}
{{- define "ferry.syncing" -}}
{{- if and (include "ferry.hasGit" .) (eq .Values.gitops.engine "ferry") -}}true{{- end -}}
{{- end -}}

{{/* PolicyRules from a list of rules in files/rbac-rules.yaml. */}}
{{- define "ferry.rules" -}}
{{- range . }}
- apiGroups: {{ toJson .apiGroups }}
  resources: {{ toJson .resources }}
  verbs: {{ toJson .verbs }}
{{- end }}
{{- end -}}

{{/* The rules of one scope of files/rbac-rules.yaml: always, and sync when Ferry syncs. */}}
{{- define "ferry.scopeRules" -}}
{{- $scope := index (.root.Files.Get "files/rbac-rules.yaml" | fromYaml) .scope | default dict -}}
{{- include "ferry.rules" (get $scope "always" | default list) }}
{{- if include "ferry.syncing" .root }}
{{- include "ferry.rules" (get $scope "sync" | default list) }}
{{- end }}
{{- end -}}
