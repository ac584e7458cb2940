/**
 * Key algorithms the toolkit issues certificates for. Keys come from
 * node:crypto: forge's pure-JS RSA key generation takes seconds, and forge
 * has no ECDSA at all.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** The key algorithms a certificate can be issued with. */
export const KeyAlgorithm = { ecdsaP256: 'ecdsa-p256', rsa2048: 'rsa-2048' } as const;
/** One of {@link KeyAlgorithm}'s values. */
export type KeyAlgorithm = (typeof KeyAlgorithm)[keyof typeof KeyAlgorithm];

const keyAlgorithms: readonly string[] = Object.values(KeyAlgorithm);

/** True when `value` names a {@link KeyAlgorithm}, e.g. a command-line flag. */
export function isKeyAlgorithm(value: string): value is KeyAlgorithm {
  return keyAlgorithms.includes(value);
}

/** A fresh key pair for `algorithm`. */
export function generateKeyPair(algorithm: KeyAlgorithm): {
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  switch (algorithm) {
    case KeyAlgorithm.ecdsaP256:
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case KeyAlgorithm.rsa2048:
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

/** PKCS#8 PEM, which Node's TLS stack and Go's `tls.X509KeyPair` both read for RSA and EC. */
export function exportPrivateKeyPem(privateKey: KeyObject): string {
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The {@link KeyAlgorithm} of a key, or `undefined` for any other kind of key. */
export function detectKeyAlgorithm(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') {
    return KeyAlgorithm.ecdsaP256;
  }
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength === 2048) {
    return KeyAlgorithm.rsa2048;
  }
  return undefined;
}

/** Parses a PEM private key, or returns `undefined` when it is not one. */
export function readPrivateKey(privateKeyPem: string): KeyObject | undefined {
  try {
    return createPrivateKey(privateKeyPem);
  } catch {
    return undefined;
  }
}
