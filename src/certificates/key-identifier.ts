/**
 * Subject and authority key identifiers (RFC 5280 §4.2.1.2, method 1: the
 * SHA-1 of the subjectPublicKey bits). They let TLS stacks pick the right CA
 * when old and new CAs with similar names share one bundle during rotation.
 */
import { createHash, type KeyObject } from 'node:crypto';

/** The bits of the SubjectPublicKeyInfo's BIT STRING for an EC or RSA key. */
function subjectPublicKeyBits(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType === 'rsa') {
    return publicKey.export({ type: 'pkcs1', format: 'der' });
  }
  if (publicKey.asymmetricKeyType === 'ec') {
    const { x, y } = publicKey.export({ format: 'jwk' });
    // An uncompressed point: 0x04 || X || Y.
    return Buffer.concat([
      Buffer.of(0x04),
      Buffer.from(x ?? '', 'base64url'),
      Buffer.from(y ?? '', 'base64url'),
    ]);
  }
  throw new Error(`unsupported public key type: ${String(publicKey.asymmetricKeyType)}`);
}

/** The 20-byte key identifier of `publicKey`. */
export function computeKeyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(publicKey)).digest();
}
