/** The help text; the command line is a contract the Helm chart's hook Jobs call. */
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
  -h, --help

Each command prints one JSON line saying what it did. Exit codes: 0 ok, 1 failure, 2 usage error.
`;

/** A command line that cannot be run; reported with the usage text and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
