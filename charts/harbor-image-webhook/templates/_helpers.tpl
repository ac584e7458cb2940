{{/*
Names, labels, the image reference and the decisions more than one template shares.
*/}}

{{/* Chart name, overridable. */}}
{{- define "harbor-image-webhook.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name: the prefix of every object and the webhook configuration's name. */}}
{{- define "harbor-image-webhook.fullname" -}}
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
"<fullname>-<suffix>" kept within a length limit by shortening the fullname, never the suffix.
Usage: include "harbor-image-webhook.suffixedName" (list . "suffix" 63)
*/}}
{{- define "harbor-image-webhook.suffixedName" -}}
{{- $ctx := index . 0 }}
{{- $suffix := index . 1 }}
{{- $limit := index . 2 }}
{{- $prefix := include "harbor-image-webhook.fullname" $ctx | trunc (int (sub $limit (add1 (len $suffix)))) | trimSuffix "-" }}
{{- printf "%s-%s" $prefix $suffix }}
{{- end }}

{{- define "harbor-image-webhook.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "harbor-image-webhook.labels" -}}
helm.sh/chart: {{ include "harbor-image-webhook.chart" . }}
app.kubernetes.io/name: {{ include "harbor-image-webhook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: harbor-image-webhook
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of the webhook Pods (Deployment, Service, PDB, NetworkPolicy, spreading). */}}
{{- define "harbor-image-webhook.selectorLabels" -}}
app.kubernetes.io/name: {{ include "harbor-image-webhook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end }}

{{/* The component label of the helm test Pod, which the NetworkPolicy lets in. */}}
{{- define "harbor-image-webhook.testComponentLabel" -}}
app.kubernetes.io/component: test
{{- end }}

{{/* Labels of the cert bootstrap Job and CronJob Pods: never selected by the Service. */}}
{{- define "harbor-image-webhook.certLabels" -}}
app.kubernetes.io/name: {{ include "harbor-image-webhook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: cert-bootstrap
{{- end }}

{{/* The webhook's ServiceAccount. */}}
{{- define "harbor-image-webhook.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "harbor-image-webhook.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name shared by the cert bootstrap hook Jobs' ServiceAccount and RBAC objects. */}}
{{- define "harbor-image-webhook.certHookName" -}}
{{- include "harbor-image-webhook.suffixedName" (list . "cert-bootstrap" 63) }}
{{- end }}

{{/* Name shared by the renewal CronJob and its ServiceAccount and RBAC objects (CronJob names: at most 52). */}}
{{- define "harbor-image-webhook.certRenewalName" -}}
{{- include "harbor-image-webhook.suffixedName" (list . "cert-renewal" 52) }}
{{- end }}

{{/* The Service in front of the webhook Pods; the apiserver calls it on 443. */}}
{{- define "harbor-image-webhook.serviceName" -}}
{{- include "harbor-image-webhook.fullname" . }}
{{- end }}

{{/* The cluster-scoped MutatingWebhookConfiguration. */}}
{{- define "harbor-image-webhook.webhookConfigName" -}}
{{- include "harbor-image-webhook.fullname" . }}
{{- end }}

{{- define "harbor-image-webhook.policyConfigMapName" -}}
{{- include "harbor-image-webhook.suffixedName" (list . "policy" 63) }}
{{- end }}

{{/* The kubernetes.io/tls Secret holding tls.crt, tls.key and ca.crt. */}}
{{- define "harbor-image-webhook.tlsSecretName" -}}
{{- default (include "harbor-image-webhook.suffixedName" (list . "tls" 63)) .Values.certificate.secretName }}
{{- end }}

{{/* The serving cert-manager Certificate (also the target of cert-manager.io/inject-ca-from). */}}
{{- define "harbor-image-webhook.servingCertificateName" -}}
{{- include "harbor-image-webhook.suffixedName" (list . "serving" 63) }}
{{- end }}

{{/* The cert-manager CA chain: selfSigned Issuer -> CA Certificate (and its Secret) -> CA Issuer. */}}
{{- define "harbor-image-webhook.selfSignedIssuerName" -}}
{{- include "harbor-image-webhook.suffixedName" (list . "selfsigned" 63) }}
{{- end }}
{{- define "harbor-image-webhook.caName" -}}
{{- include "harbor-image-webhook.suffixedName" (list . "ca" 63) }}
{{- end }}

{{/* repository:tag, or repository:tag@digest when a digest is set (the node pulls by digest). */}}
{{- define "harbor-image-webhook.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The DNS names the serving certificate must cover; the apiserver dials <svc>.<ns>.svc. */}}
{{- define "harbor-image-webhook.serviceDNSNames" -}}
{{- $svc := include "harbor-image-webhook.serviceName" . }}
{{- $ns := .Release.Namespace }}
{{- $names := list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) }}
{{- toJson (concat $names .Values.certificate.extraSANs | uniq) }}
{{- end }}

{{/*
failurePolicy of the webhook. An explicit webhook.failurePolicy wins; empty follows policy.onError
(allow -> Ignore, deny -> Fail). Ignore with onError=deny is refused: "deny" promises that no Pod is
admitted unmutated after an error, and Ignore would admit every Pod unmutated while the webhook is
unreachable. Fail with onError=allow is stricter than the policy and allowed.
*/}}
{{- define "harbor-image-webhook.failurePolicy" -}}
{{- $onError := .Values.policy.onError | default "allow" }}
{{- $failurePolicy := .Values.webhook.failurePolicy }}
{{- if not $failurePolicy }}
{{- $failurePolicy = ternary "Fail" "Ignore" (eq $onError "deny") }}
{{- end }}
{{- if and (eq $failurePolicy "Ignore") (eq $onError "deny") }}
{{- fail "webhook.failurePolicy=Ignore contradicts policy.onError=deny: with Ignore the apiserver admits Pods unmutated whenever the webhook is unreachable. Set webhook.failurePolicy to Fail (or leave it empty), or set policy.onError to allow." }}
{{- end }}
{{- $failurePolicy }}
{{- end }}

{{/*
caBundle to render, so that `helm upgrade` (client- or server-side apply, or a replace) never blanks
the one the cert Job or cert-manager's CA injector wrote: the live webhook configuration's, else
ca.crt of the TLS Secret (a reinstall after an uninstall finds the Secret the Job left), else
nothing (`helm template`, `--dry-run`, first install: the post-install Job fills it in). Rendering
the live value keeps server-side apply conflict-free: both managers then agree on it.
*/}}
{{- define "harbor-image-webhook.caBundle" -}}
{{- $caBundle := "" }}
{{- $config := lookup "admissionregistration.k8s.io/v1" "MutatingWebhookConfiguration" "" (include "harbor-image-webhook.webhookConfigName" .) }}
{{- range $webhook := dig "webhooks" (list) $config }}
{{- if not $caBundle }}
{{- $caBundle = dig "clientConfig" "caBundle" "" $webhook }}
{{- end }}
{{- end }}
{{- if not $caBundle }}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "harbor-image-webhook.tlsSecretName" .) }}
{{- $caBundle = dig "data" "ca.crt" "" $secret }}
{{- end }}
{{- $caBundle }}
{{- end }}

{{/* Hook annotations shared by the cert bootstrap ServiceAccount and RBAC: before the Jobs, in every phase a Job runs. */}}
{{- define "harbor-image-webhook.certHookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade,post-install,post-upgrade
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/*
Checks across values that the schema cannot express; rendered (as nothing) by the Deployment.
The renewal window must be shorter than both lifetimes, or cert-bootstrap (and cert-manager)
would renew on every run.
*/}}
{{- define "harbor-image-webhook.validateValues" -}}
{{- $certificate := .Values.certificate }}
{{- if ge (int $certificate.renewBeforeDays) (int $certificate.validityDays) }}
{{- fail (printf "certificate.renewBeforeDays (%d) must be less than certificate.validityDays (%d)" (int $certificate.renewBeforeDays) (int $certificate.validityDays)) }}
{{- end }}
{{- if ge (int $certificate.renewBeforeDays) (int $certificate.caValidityDays) }}
{{- fail (printf "certificate.renewBeforeDays (%d) must be less than certificate.caValidityDays (%d)" (int $certificate.renewBeforeDays) (int $certificate.caValidityDays)) }}
{{- end }}
{{- /* SIGKILL comes terminationGracePeriodSeconds after termination starts, preStop included; the server needs up to 10 s after SIGTERM. */}}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- $preStop := int .Values.preStopSleepSeconds }}
{{- if lt $grace (add $preStop 15) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least preStopSleepSeconds (%d) + 15: the server may take 10 s to stop after the preStop sleep, and the kubelet kills it when the grace period ends" $grace $preStop) }}
{{- end }}
{{- if and .Values.metrics.plainHttp.enabled (eq (int .Values.metrics.plainHttp.port) (int .Values.containerPort)) }}
{{- fail (printf "metrics.plainHttp.port (%d) must differ from containerPort (%d): the plain-HTTP metrics listener cannot share the webhook's TLS port" (int .Values.metrics.plainHttp.port) (int .Values.containerPort)) }}
{{- end }}
{{- $autoscaling := .Values.autoscaling }}
{{- if $autoscaling.enabled }}
{{- if lt (int $autoscaling.maxReplicas) (int $autoscaling.minReplicas) }}
{{- fail (printf "autoscaling.maxReplicas (%d) must be at least autoscaling.minReplicas (%d)" (int $autoscaling.maxReplicas) (int $autoscaling.minReplicas)) }}
{{- end }}
{{- if and (eq (int $autoscaling.targetCPUUtilizationPercentage) 0) (eq (int $autoscaling.targetMemoryUtilizationPercentage) 0) }}
{{- fail "autoscaling.enabled needs a target: set autoscaling.targetCPUUtilizationPercentage or autoscaling.targetMemoryUtilizationPercentage above 0" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Arguments of `cert-bootstrap.js create`, shared by the hook Job and the renewal CronJob. */}}
{{- define "harbor-image-webhook.certCreateArgs" -}}
- create
- --namespace
- {{ .Release.Namespace | quote }}
- --secret-name
- {{ include "harbor-image-webhook.tlsSecretName" . | quote }}
- --service
- {{ include "harbor-image-webhook.serviceName" . | quote }}
{{- range .Values.certificate.extraSANs }}
- --extra-san
- {{ . | quote }}
{{- end }}
- --key-algorithm
- {{ .Values.certificate.keyAlgorithm | quote }}
- --validity-days
- {{ .Values.certificate.validityDays | quote }}
- --ca-validity-days
- {{ .Values.certificate.caValidityDays | quote }}
- --renew-before-days
- {{ .Values.certificate.renewBeforeDays | quote }}
{{- end }}

{{/* Arguments of `cert-bootstrap.js patch`. */}}
{{- define "harbor-image-webhook.certPatchArgs" -}}
- patch
- --namespace
- {{ .Release.Namespace | quote }}
- --secret-name
- {{ include "harbor-image-webhook.tlsSecretName" . | quote }}
- --webhook-name
- {{ include "harbor-image-webhook.webhookConfigName" . | quote }}
{{- end }}

{{/* A cert bootstrap container (create or patch); the image is the webhook's own. */}}
{{- define "harbor-image-webhook.certContainer" -}}
{{- $ctx := index . 0 }}
{{- $step := index . 1 -}}
name: {{ $step }}
image: {{ include "harbor-image-webhook.image" $ctx | quote }}
imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
command: ["node", "dist/scripts/cert-bootstrap.js"]
args:
{{- if eq $step "create" }}
  {{- include "harbor-image-webhook.certCreateArgs" $ctx | nindent 2 }}
{{- else }}
  {{- include "harbor-image-webhook.certPatchArgs" $ctx | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $ctx.Values.containerSecurityContext | nindent 2 }}
resources:
  {{- toYaml $ctx.Values.certificate.bootstrap.resources | nindent 2 }}
{{- end }}

{{/* Pod spec fields shared by every cert bootstrap Pod. */}}
{{- define "harbor-image-webhook.certPodFields" -}}
automountServiceAccountToken: true
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
dnsPolicy of the webhook Pods: the value, else ClusterFirstWithHostNet on the node's network (so
<service>.<namespace>.svc names still resolve), else nothing (Kubernetes' ClusterFirst).
*/}}
{{- define "harbor-image-webhook.dnsPolicy" -}}
{{- if .Values.dnsPolicy }}
{{- .Values.dnsPolicy }}
{{- else if .Values.hostNetwork }}
{{- print "ClusterFirstWithHostNet" }}
{{- end }}
{{- end }}

{{/*
"true" when the cluster has the sleep lifecycle action (beta and on by default from Kubernetes
1.30, GA in 1.34), else empty. The image has no shell and no sleep binary, so an exec preStop
is no alternative; older clusters get no preStop hook.
*/}}
{{- define "harbor-image-webhook.hasSleepAction" -}}
{{- if semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version }}true{{ end }}
{{- end }}

{{/* The pull-secret helper's registry: pullSecret.registry, else the Harbor host. */}}
{{- define "harbor-image-webhook.pullSecretRegistry" -}}
{{- default .Values.policy.harbor.host .Values.pullSecret.registry }}
{{- end }}
