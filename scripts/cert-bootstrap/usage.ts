/** The help texts; the command line is a contract the Helm chart's hook Jobs call. */
export { UsageError } from '../../src/config/user-error.ts';

export const COMMAND_NAMES = ['create', 'patch', 'local', 'uninstall'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

const certificateFlags = `  --key-algorithm ALG        ecdsa-p256 (default) | rsa-2048
  --validity-days N          serving certificate lifetime (default 365)
  --ca-validity-days N       CA lifetime (default 3650)
  --renew-before-days N      renew this long before expiry (default 30)`;

const clusterFlags = `  --kubeconfig FILE          default: $KUBECONFIG, ~/.kube/config, then in-cluster
  --dry-run                  say what would change, change nothing`;

/** `cert-bootstrap <command> --help`: each command's flags and an example. */
export const commandUsage: Readonly<Record<CommandName, string>> = {
  create: `Usage: cert-bootstrap create --namespace NS --secret-name NAME --service SVC [flags]

Makes, keeps or renews the kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt, ca.key)
for the webhook's Service; a valid Secret is left alone.

  --namespace NS             namespace of the Secret and the Service
  --secret-name NAME         the Secret to create or renew
  --service SVC              the Service the apiserver calls (its DNS names go in the certificate)
  --extra-san DNS_OR_IP      one more subjectAltName (repeatable)
${certificateFlags}
${clusterFlags}

Examples:
  cert-bootstrap create --namespace harbor-image-webhook --secret-name harbor-image-webhook-tls \\
    --service harbor-image-webhook`,
  patch: `Usage: cert-bootstrap patch --namespace NS --secret-name NAME --webhook-name NAME [flags]

Copies ca.crt from the Secret into caBundle of every webhook of a MutatingWebhookConfiguration.

  --namespace NS             namespace of the Secret
  --secret-name NAME         the Secret that create made
  --webhook-name NAME        the MutatingWebhookConfiguration to patch
  --failure-policy POLICY    also set failurePolicy: Fail | Ignore
${clusterFlags}

Examples:
  cert-bootstrap patch --namespace harbor-image-webhook --secret-name harbor-image-webhook-tls \\
    --webhook-name harbor-image-webhook`,
  local: `Usage: cert-bootstrap local --out-dir DIR [flags]

Writes ca.crt, ca.key, tls.crt and tls.key into a directory, without a cluster; the
directory is created if missing, and good files already there are kept.

  --out-dir DIR              where to write (created with its parents)
  --dns NAME                 a DNS name for the certificate (repeatable; default localhost)
  --ip ADDRESS               an IP address for the certificate (repeatable; default 127.0.0.1)
${certificateFlags}

Examples:
  node scripts/cert-bootstrap.ts local --out-dir ./certs
  harbor-image-webhook serve --config examples/policy.yaml --tls-cert certs/tls.crt --tls-key certs/tls.key`,
  uninstall: `Usage: cert-bootstrap uninstall --namespace NS [--secret-name NAME]... [--pull-secret-source NS/NAME] [flags]

Deletes what the release made outside Helm (the chart's post-delete hook): the named Secrets
of the namespace and every pull-secret copy the webhook made from the source (selected by
the labels it puts on its copies, in every namespace; never the source or unlabelled Secrets).

  --namespace NS             namespace of the named Secrets
  --secret-name NAME         a Secret to delete (repeatable): the TLS Secret, the CA Secret
  --pull-secret-source NS/NAME  delete the copies made from this source Secret
${clusterFlags}

Examples:
  cert-bootstrap uninstall --namespace harbor-image-webhook --secret-name harbor-image-webhook-tls \\
    --pull-secret-source harbor-image-webhook/harbor-pull --dry-run`,
};

export const usage = `Usage: cert-bootstrap <command> [flags]

Commands:
  create  Make, keep or renew the kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt, ca.key).
          --namespace NS --secret-name NAME --service SVC
          [--extra-san DNS_OR_IP]... [--key-algorithm ecdsa-p256|rsa-2048]
          [--validity-days 365] [--ca-validity-days 3650] [--renew-before-days 30] [--dry-run]
  patch   Copy ca.crt from the Secret into caBundle of every webhook of a MutatingWebhookConfiguration.
          --namespace NS --secret-name NAME --webhook-name NAME [--failure-policy Fail|Ignore] [--dry-run]
  local   Write ca.crt, ca.key, tls.crt, tls.key into a directory, without a cluster.
          --out-dir DIR [--dns localhost]... [--ip 127.0.0.1]... [--key-algorithm ...]
          [--validity-days 365] [--ca-validity-days 3650] [--renew-before-days 30]
  uninstall  Delete what the release made outside Helm (the chart's post-delete hook): the named
          Secrets of the namespace and every pull-secret copy the webhook made from the source
          (by its labels, in every namespace; never the source or unlabelled Secrets).
          --namespace NS [--secret-name NAME]... [--pull-secret-source NS/NAME] [--dry-run]

Common flags:
  --kubeconfig FILE  (create, patch, uninstall) default: $KUBECONFIG, ~/.kube/config, then in-cluster
  -h, --help         cert-bootstrap <command> --help: the command's flags and an example

Examples:
  node scripts/cert-bootstrap.ts local --out-dir ./certs
  node scripts/cert-bootstrap.ts create --help

Each command prints one JSON line saying what it did. Exit codes: 0 ok, 1 failure,
2 usage error, 4 a file or directory that cannot be read or written.
`;
