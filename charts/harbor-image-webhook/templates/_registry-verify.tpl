{{- /*
Registry verification (policy.verify.mode exists or pin): the files the webhook reads to ask Harbor
whether it has an image. The credentials Secret (kubernetes.io/dockerconfigjson, key
.dockerconfigjson) and Harbor's CA are mounted into the webhook Pod, and the rendered policy names
them as harbor.credentialsFile and harbor.caFile, unless the policy names files of its own.
*/ -}}

{{- define "harbor-image-webhook.verifies" -}}
{{- if ne (((.Values.policy).verify).mode | default "off") "off" }}true{{ end -}}
{{- end -}}

{{- /* The dockerconfigjson Secret with Harbor credentials for lookups, or "" (anonymous lookups). */ -}}
{{- define "harbor-image-webhook.verifyCredentialsSecret" -}}
{{- if include "harbor-image-webhook.verifies" . -}}
{{- $v := .Values.registryVerify -}}
{{- if $v.credentialsSecret -}}{{ $v.credentialsSecret }}
{{- else if .Values.pullSecret.existingSecret -}}{{ .Values.pullSecret.existingSecret }}
{{- else if .Values.pullSecret.create -}}{{ .Values.pullSecret.name }}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* Where Harbor's CA for lookups comes from: "configmap" (caBundle), "secret" (caSecret) or "". */ -}}
{{- define "harbor-image-webhook.verifyCaSource" -}}
{{- $v := .Values.registryVerify -}}
{{- if and $v.caBundle $v.caSecret -}}
{{- fail "registryVerify.caBundle and registryVerify.caSecret exclude each other" -}}
{{- end -}}
{{- if include "harbor-image-webhook.verifies" . -}}
{{- if $v.caBundle }}configmap{{ else if $v.caSecret }}secret{{ end -}}
{{- end -}}
{{- end -}}

{{- define "harbor-image-webhook.verifyCredentialsDir" -}}/etc/harbor-image-webhook/harbor-credentials{{- end -}}
{{- define "harbor-image-webhook.verifyCaDir" -}}/etc/harbor-image-webhook/harbor-ca{{- end -}}

{{- /* .Values.policy with harbor.credentialsFile and harbor.caFile pointing at the mounts. */ -}}
{{- define "harbor-image-webhook.renderedPolicy" -}}
{{- $policy := deepCopy .Values.policy -}}
{{- if and (include "harbor-image-webhook.verifyCredentialsSecret" .) (not $policy.harbor.credentialsFile) -}}
{{- $_ := set $policy.harbor "credentialsFile" (printf "%s/config.json" (include "harbor-image-webhook.verifyCredentialsDir" .)) -}}
{{- end -}}
{{- if and (include "harbor-image-webhook.verifyCaSource" .) (not $policy.harbor.caFile) -}}
{{- $_ := set $policy.harbor "caFile" (printf "%s/ca.crt" (include "harbor-image-webhook.verifyCaDir" .)) -}}
{{- end -}}
{{- toYaml $policy -}}
{{- end -}}

{{- define "harbor-image-webhook.verifyVolumeMounts" -}}
{{- if include "harbor-image-webhook.verifyCredentialsSecret" . }}
- name: harbor-credentials
  mountPath: {{ include "harbor-image-webhook.verifyCredentialsDir" . }}
  readOnly: true
{{- end }}
{{- if include "harbor-image-webhook.verifyCaSource" . }}
- name: harbor-ca
  mountPath: {{ include "harbor-image-webhook.verifyCaDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "harbor-image-webhook.verifyVolumes" -}}
{{- $secret := include "harbor-image-webhook.verifyCredentialsSecret" . -}}
{{- if $secret }}
- name: harbor-credentials
  secret:
    secretName: {{ $secret }}
    defaultMode: 0440
    items:
      - key: .dockerconfigjson
        path: config.json
{{- end }}
{{- $ca := include "harbor-image-webhook.verifyCaSource" . -}}
{{- if eq $ca "configmap" }}
- name: harbor-ca
  configMap:
    name: {{ include "harbor-image-webhook.policyConfigMapName" . }}
    items:
      - key: harbor-ca.crt
        path: ca.crt
{{- else if eq $ca "secret" }}
- name: harbor-ca
  secret:
    secretName: {{ .Values.registryVerify.caSecret }}
    defaultMode: 0444
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end -}}
