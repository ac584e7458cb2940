import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import forge from 'node-forge';
import {
  canonicalizeIpAddress,
  certificateMatchesKey,
  inspectCertificate,
  issueCertificateAuthority,
  issueSelfSignedServingCertificate,
  issueServingCertificate,
  KeyAlgorithm,
  type IssuedCertificate,
} from '../../src/certificates/index.ts';

const dayMs = 24 * 60 * 60 * 1000;
const now = new Date('2026-03-01T12:00:00.000Z');
const fiveMinutesMs = 5 * 60 * 1000;

const servingNames = {
  commonName: 'svc.ns.svc',
  dnsNames: ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local'],
  ipAddresses: ['127.0.0.1', '::1', 'fd00::10'],
};

/** Extensions by OID with their criticality and DER value, read with forge's ASN.1 parser. */
function readExtensions(pem: string): Map<string, { critical: boolean; value: forge.asn1.Asn1 }> {
  const der = new X509Certificate(pem).raw.toString('latin1');
  const tbs = (forge.asn1.fromDer(der).value as forge.asn1.Asn1[])[0]!;
  const wrapper = (tbs.value as forge.asn1.Asn1[]).find(
    (node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 3,
  );
  const extensions = new Map<string, { critical: boolean; value: forge.asn1.Asn1 }>();
  for (const extension of (wrapper!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]) {
    const [id, ...rest] = extension.value as forge.asn1.Asn1[];
    const critical = rest.length === 2 && rest[0]!.value === '\xff';
    const value = forge.asn1.fromDer(rest.at(-1)!.value as string);
    extensions.set(forge.asn1.derToOid(id!.value as string), { critical, value });
  }
  return extensions;
}

const Oid = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

for (const keyAlgorithm of Object.values(KeyAlgorithm)) {
  describe(`issuing with ${keyAlgorithm}`, () => {
    const ca = issueCertificateAuthority({
      commonName: 'test-ca',
      validityDays: 3650,
      keyAlgorithm,
      now,
    });
    const serving = issueServingCertificate(ca, {
      ...servingNames,
      validityDays: 365,
      keyAlgorithm,
      now,
    });
    const caCertificate = new X509Certificate(ca.certificatePem);
    const servingCertificate = new X509Certificate(serving.certificatePem);

    it('the CA is a self-signed certificate authority', () => {
      assert.equal(inspectCertificate(ca.certificatePem).isCertificateAuthority, true);
      assert.equal(caCertificate.subject, 'CN=test-ca');
      assert.equal(caCertificate.issuer, 'CN=test-ca');
      assert.ok(caCertificate.verify(caCertificate.publicKey));
    });

    it('the CA has critical basicConstraints CA:TRUE and keyUsage keyCertSign and cRLSign only', () => {
      const extensions = readExtensions(ca.certificatePem);
      const basicConstraints = extensions.get(Oid.basicConstraints)!;
      assert.equal(basicConstraints.critical, true);
      assert.equal((basicConstraints.value.value as forge.asn1.Asn1[])[0]!.value, '\xff');
      const keyUsage = extensions.get(Oid.keyUsage)!;
      assert.equal(keyUsage.critical, true);
      // One unused bit, then bits 5 (keyCertSign) and 6 (cRLSign): 0b0000_0110.
      assert.equal(keyUsage.value.value, '\x01\x06');
    });

    it('the CA is valid for 3650 days from five minutes ago', () => {
      const { notBefore, notAfter } = inspectCertificate(ca.certificatePem);
      assert.equal(notBefore.getTime(), now.getTime() - fiveMinutesMs);
      assert.equal(notAfter.getTime(), now.getTime() + 3650 * dayMs);
      assert.deepEqual([ca.notBefore, ca.notAfter], [notBefore, notAfter]);
    });

    it('the serving certificate carries every DNS name and IP address as a subjectAltName', () => {
      assert.deepEqual(inspectCertificate(serving.certificatePem).subjectAltNames, {
        dnsNames: servingNames.dnsNames,
        ipAddresses: servingNames.ipAddresses,
      });
      assert.equal(servingCertificate.subject, 'CN=svc.ns.svc');
    });

    it('the serving certificate is signed by the CA and is not a CA itself', () => {
      assert.ok(servingCertificate.checkIssued(caCertificate));
      assert.ok(servingCertificate.verify(caCertificate.publicKey));
      assert.equal(inspectCertificate(serving.certificatePem).isCertificateAuthority, false);
      assert.equal(
        readExtensions(serving.certificatePem).get(Oid.basicConstraints)!.critical,
        true,
      );
    });

    it('the serving certificate is for TLS servers only', () => {
      assert.deepEqual(servingCertificate.keyUsage, [Oid.serverAuth]);
      const keyUsage = readExtensions(serving.certificatePem).get(Oid.keyUsage)!;
      assert.equal(keyUsage.critical, true);
      // digitalSignature (0x80), plus keyEncipherment (0x20) for RSA key exchange.
      const expected = keyAlgorithm === KeyAlgorithm.rsa2048 ? '\x05\xa0' : '\x07\x80';
      assert.equal(keyUsage.value.value, expected);
    });

    it('the serving certificate names its CA by key identifier', () => {
      const caKeyId = readExtensions(ca.certificatePem).get(Oid.subjectKeyIdentifier)!.value.value;
      const servingExtensions = readExtensions(serving.certificatePem);
      const authorityKeyId = servingExtensions.get(Oid.authorityKeyIdentifier)!.value;
      assert.equal((authorityKeyId.value as forge.asn1.Asn1[])[0]!.value, caKeyId);
      assert.notEqual(servingExtensions.get(Oid.subjectKeyIdentifier)!.value.value, caKeyId);
    });

    it('the serving certificate is valid for 365 days from five minutes ago', () => {
      const { notBefore, notAfter } = inspectCertificate(serving.certificatePem);
      assert.equal(notBefore.getTime(), now.getTime() - fiveMinutesMs);
      assert.equal(notAfter.getTime(), now.getTime() + 365 * dayMs);
    });

    it('the private keys match their certificates and not each other', () => {
      assert.ok(certificateMatchesKey(ca.certificatePem, ca.privateKeyPem));
      assert.ok(certificateMatchesKey(serving.certificatePem, serving.privateKeyPem));
      assert.equal(certificateMatchesKey(serving.certificatePem, ca.privateKeyPem), false);
      assert.match(serving.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    });

    it(`the key algorithm is ${keyAlgorithm}`, () => {
      const type = keyAlgorithm === KeyAlgorithm.rsa2048 ? 'rsa' : 'ec';
      assert.equal(servingCertificate.publicKey.asymmetricKeyType, type);
      assert.equal(caCertificate.publicKey.asymmetricKeyType, type);
    });
  });
}

describe('serial numbers', () => {
  const ca = issueCertificateAuthority({
    commonName: 'ca',
    validityDays: 10,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const serials = Array.from({ length: 20 }, () => {
    const serving = issueServingCertificate(ca, {
      ...servingNames,
      validityDays: 5,
      keyAlgorithm: KeyAlgorithm.ecdsaP256,
    });
    return new X509Certificate(serving.certificatePem).serialNumber;
  });

  it('are random 128-bit positive numbers that never repeat', () => {
    assert.equal(new Set(serials).size, serials.length);
    for (const serial of serials) {
      assert.match(serial, /^[89A-F][0-9A-F]{31}$/, `${serial} is 128 bits with the top bit set`);
    }
  });
});

describe('validity limits', () => {
  it('a serving certificate never outlives its CA', () => {
    const ca = issueCertificateAuthority({
      commonName: 'short-ca',
      validityDays: 10,
      keyAlgorithm: KeyAlgorithm.ecdsaP256,
      now,
    });
    const serving = issueServingCertificate(ca, {
      ...servingNames,
      validityDays: 365,
      keyAlgorithm: KeyAlgorithm.ecdsaP256,
      now,
    });
    assert.deepEqual(serving.notAfter, ca.notAfter);
    assert.deepEqual(inspectCertificate(serving.certificatePem).notAfter, ca.notAfter);
  });

  it('a validity that reaches past 2049 is encoded as GeneralizedTime and reads back exactly', () => {
    const ca = issueCertificateAuthority({
      commonName: 'long-ca',
      validityDays: 36500,
      keyAlgorithm: KeyAlgorithm.ecdsaP256,
      now,
    });
    assert.equal(inspectCertificate(ca.certificatePem).notAfter.getUTCFullYear(), 2126);
    assert.deepEqual(inspectCertificate(ca.certificatePem).notAfter, ca.notAfter);
  });

  it('a validity of zero days is refused', () => {
    assert.throws(
      () =>
        issueCertificateAuthority({
          commonName: 'x',
          validityDays: 0,
          keyAlgorithm: KeyAlgorithm.ecdsaP256,
        }),
      /positive number of days/,
    );
  });
});

describe('refusing to issue from something that is not a usable CA', () => {
  const ca = issueCertificateAuthority({
    commonName: 'ca',
    validityDays: 10,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const leaf = issueServingCertificate(ca, {
    ...servingNames,
    validityDays: 5,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const options = { ...servingNames, validityDays: 5, keyAlgorithm: KeyAlgorithm.ecdsaP256 };
  const cases: { name: string; issuer: IssuedCertificate; message: RegExp }[] = [
    { name: 'a serving certificate cannot sign another one', issuer: leaf, message: /not a CA/ },
    {
      name: 'a CA with the wrong private key cannot sign',
      issuer: { ...ca, privateKeyPem: leaf.privateKeyPem },
      message: /does not match/,
    },
    {
      name: 'garbage cannot sign',
      issuer: { ...ca, certificatePem: 'garbage' },
      message: /cannot read the CA/,
    },
  ];
  for (const { name, issuer, message } of cases) {
    it(name, () => assert.throws(() => issueServingCertificate(issuer, options), message));
  }

  it('a DNS name that is not plain ASCII is refused', () => {
    assert.throws(
      () => issueServingCertificate(ca, { ...options, dnsNames: ['bücher.example'] }),
      /not a valid DNS name/,
    );
  });

  it('a serving certificate without any name is refused', () => {
    assert.throws(
      () => issueServingCertificate(ca, { ...options, dnsNames: [], ipAddresses: [] }),
      /at least one/,
    );
  });
});

describe('the in-memory self-signed certificate for serve without --tls-cert', () => {
  it('is issued in well under 200 ms and chains to the returned CA', () => {
    const started = performance.now();
    const issued = issueSelfSignedServingCertificate({
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    assert.ok(performance.now() - started < 200);
    const serving = new X509Certificate(issued.certificatePem);
    assert.ok(serving.verify(new X509Certificate(issued.caPem).publicKey));
    assert.ok(certificateMatchesKey(issued.certificatePem, issued.privateKeyPem));
    assert.deepEqual(inspectCertificate(issued.certificatePem).subjectAltNames, {
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
  });

  it('is valid for 365 days unless told otherwise', () => {
    const defaults = issueSelfSignedServingCertificate({
      dnsNames: ['localhost'],
      ipAddresses: [],
    });
    const lifetime = defaults.notAfter.getTime() - defaults.notBefore.getTime();
    assert.ok(Math.abs(lifetime - (365 * dayMs + fiveMinutesMs)) < 2000);
    const short = issueSelfSignedServingCertificate({
      dnsNames: ['localhost'],
      ipAddresses: [],
      validityDays: 1,
    });
    assert.ok(short.notAfter.getTime() - short.notBefore.getTime() < 2 * dayMs);
  });
});

describe('inspecting and matching', () => {
  it('inspecting something that is not a certificate throws', () => {
    assert.throws(
      () => inspectCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      /not a readable PEM certificate/,
    );
  });

  it('a fingerprint is the SHA-256 of the DER in colon-separated hex', () => {
    const { certificatePem } = issueSelfSignedServingCertificate({
      dnsNames: ['localhost'],
      ipAddresses: [],
    });
    assert.match(
      inspectCertificate(certificatePem).fingerprintSha256,
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );
  });

  it('unreadable input never matches a key', () => {
    assert.equal(certificateMatchesKey('garbage', 'garbage'), false);
  });

  const addresses: [string, string][] = [
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FD00:0:0:0:0:0:0:10', 'fd00::10'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['10.0.0.1', '10.0.0.1'],
  ];
  for (const [input, canonical] of addresses) {
    it(`the IP address ${input} is written canonically as ${canonical}`, () => {
      assert.equal(canonicalizeIpAddress(input), canonical);
    });
  }

  it('an IPv4-mapped IPv6 address survives the round trip through a certificate', () => {
    const { certificatePem } = issueSelfSignedServingCertificate({
      dnsNames: [],
      ipAddresses: ['::ffff:10.0.0.1'],
    });
    assert.deepEqual(inspectCertificate(certificatePem).subjectAltNames.ipAddresses, [
      '::ffff:a00:1',
    ]);
  });
});
