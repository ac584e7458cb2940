/**
 * The keys of the `kubernetes.io/tls` Secret (and of the files `local`
 * writes). `tls.crt`/`tls.key` are what the server loads; `ca.crt` is the
 * bundle injected as `caBundle`; `ca.key` lets the next run reissue the
 * serving certificate from the same CA instead of rotating the CA.
 */

/** Secret data keys by meaning. */
export const TlsSecretKey = {
  certificate: 'tls.crt',
  privateKey: 'tls.key',
  caBundle: 'ca.crt',
  caPrivateKey: 'ca.key',
} as const;
/** One of {@link TlsSecretKey}'s values. */
export type TlsSecretKey = (typeof TlsSecretKey)[keyof typeof TlsSecretKey];

/** Decoded (PEM text, not base64) Secret data with every key present. */
export type TlsSecretData = Record<TlsSecretKey, string>;

/** What is stored now: any key may be missing. */
export type StoredTlsSecretData = Partial<TlsSecretData>;
