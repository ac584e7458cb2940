/**
 * Where to connect for a Service URL without cluster DNS. The kubelet gives every
 * Pod (enableServiceLinks) `<SERVICE>_SERVICE_HOST` for each Service of its
 * namespace that existed when it started: the Service name upper-cased, `-` as
 * `_`. Connecting to that ClusterIP while verifying the certificate for the
 * URL's host name works on clusters without DNS (such as the project's real-node
 * cluster) and on any other.
 */

/** The environment variable holding the ClusterIP of the Service `hostname` names. */
export function serviceHostVariable(hostname: string): string {
  const service = hostname.split('.')[0] ?? hostname;
  return `${service.toUpperCase().replaceAll('-', '_')}_SERVICE_HOST`;
}

/** The ClusterIP to connect to for `hostname` from `env`, with the variable it came from. */
export function serviceAddress(
  hostname: string,
  env: Readonly<Record<string, string | undefined>>,
): { readonly address: string; readonly variable: string } | undefined {
  const variable = serviceHostVariable(hostname);
  const address = env[variable];
  return address === undefined || address === '' ? undefined : { address, variable };
}
