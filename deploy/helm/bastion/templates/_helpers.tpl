{{/* The release's resource name: <release>-bastion, or the release name when it already says bastion. */}}
{{- define "bastion.fullname" -}}
{{- if contains "bastion" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-bastion" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bastion.selectorLabels" -}}
app.kubernetes.io/name: bastion
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "bastion.labels" -}}
{{ include "bastion.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The gateway config: values.config with `server` set from service.port and drain (docs/deployment.md). */}}
{{- define "bastion.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $server := dict "host" "0.0.0.0" "port" (int .Values.service.port) "drain_seconds" .Values.drain.seconds "drain_grace_seconds" .Values.drain.graceSeconds -}}
{{- $_ := set $config "server" (merge $server (default dict $config.server)) -}}
{{- toYaml $config -}}
{{- end -}}
