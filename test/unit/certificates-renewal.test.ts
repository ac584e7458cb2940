import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  certificateMatchesKey,
  decideRenewal,
  inspectCertificate,
  issueCertificateAuthority,
  issueServingCertificate,
  KeyAlgorithm,
  parseCertificateBundle,
  RenewalAction,
  renewCertificates,
  type RenewalRequest,
  type StoredTlsSecretData,
  type TlsSecretData,
} from '../../src/certificates/index.ts';

const dayMs = 24 * 60 * 60 * 1000;
const start = new Date('2026-03-01T12:00:00.000Z');
const daysAfterStart = (days: number) => new Date(start.getTime() + days * dayMs);

const request = (now: Date, overrides: Partial<RenewalRequest> = {}): RenewalRequest => ({
  commonName: 'svc.ns.svc',
  dnsNames: ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local'],
  ipAddresses: ['10.96.0.10'],
  keyAlgorithm: KeyAlgorithm.ecdsaP256,
  validityDays: 365,
  caValidityDays: 3650,
  renewBeforeDays: 30,
  now,
  ...overrides,
});

/** Renews and insists something was written. */
function renewWritten(stored: StoredTlsSecretData, wanted: RenewalRequest) {
  const plan = renewCertificates(stored, wanted);
  assert.notEqual(plan.action, RenewalAction.keep, `expected a write, got keep: ${plan.reason}`);
  return plan as Extract<typeof plan, { data: TlsSecretData }>;
}

const fingerprints = (bundle: string) =>
  parseCertificateBundle(bundle).map((ca) => ca.fingerprint256);

function chainsTo(data: StoredTlsSecretData, caPem: string): boolean {
  const serving = new X509Certificate(data['tls.crt']!);
  const ca = new X509Certificate(caPem);
  return serving.checkIssued(ca) && serving.verify(ca.publicKey);
}

/** What the first `create` on an empty namespace stores. */
const initial = renewWritten({}, request(start));
/** The same without `ca.key`, as a Secret made by another tool would be. */
const withoutCaKey: StoredTlsSecretData = { ...initial.data };
delete withoutCaKey['ca.key'];
/** The same, made independently: another CA. */
const stranger = renewWritten({}, request(start));

describe('what a renewal run decides', () => {
  const cases: {
    name: string;
    stored: StoredTlsSecretData;
    wanted: RenewalRequest;
    action: RenewalAction;
    reason: RegExp;
  }[] = [
    {
      name: 'nothing stored yet makes a new CA',
      stored: {},
      wanted: request(start),
      action: 'rotate-ca',
      reason: /^nothing stored yet: a first CA and serving certificate$/,
    },
    {
      name: 'a fresh certificate is kept',
      stored: initial.data,
      wanted: request(daysAfterStart(1)),
      action: 'keep',
      reason: /valid until 2027-03-01/,
    },
    {
      name: 'the same names spelled differently are kept',
      stored: initial.data,
      wanted: request(start, {
        dnsNames: ['SVC', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local'],
        ipAddresses: ['10.96.0.10'],
      }),
      action: 'keep',
      reason: /valid until/,
    },
    {
      name: 'an added subjectAltName reissues the serving certificate',
      stored: initial.data,
      wanted: request(start, {
        dnsNames: ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local', 'webhook.example'],
      }),
      action: 'reissue-serving',
      reason: /missing: webhook\.example; unexpected: none/,
    },
    {
      name: 'a removed subjectAltName reissues the serving certificate',
      stored: initial.data,
      wanted: request(start, { ipAddresses: [] }),
      action: 'reissue-serving',
      reason: /missing: none; unexpected: 10\.96\.0\.10/,
    },
    {
      name: 'a serving certificate inside the renewal window is reissued',
      stored: initial.data,
      wanted: request(daysAfterStart(340)),
      action: 'reissue-serving',
      reason:
        /serving certificate expires 2027-03-01T12:00:00.000Z, within the 30-day renewal window/,
    },
    {
      name: 'an expired serving certificate is reissued',
      stored: initial.data,
      wanted: request(daysAfterStart(400)),
      action: 'reissue-serving',
      reason: /serving certificate expires/,
    },
    {
      name: 'a wider renewal window reissues sooner',
      stored: initial.data,
      wanted: request(daysAfterStart(300), { renewBeforeDays: 90 }),
      action: 'reissue-serving',
      reason: /90-day renewal window/,
    },
    {
      name: 'a new key algorithm reissues the serving certificate',
      stored: initial.data,
      wanted: request(start, { keyAlgorithm: KeyAlgorithm.rsa2048 }),
      action: 'reissue-serving',
      reason: /serving key is ecdsa-p256, wanted rsa-2048/,
    },
    {
      name: 'a serving key that does not match is replaced',
      stored: { ...initial.data, 'tls.key': initial.data['ca.key'] },
      wanted: request(start),
      action: 'reissue-serving',
      reason: /tls\.key does not match tls\.crt/,
    },
    {
      name: 'a serving certificate that does not chain to ca.crt is replaced',
      stored: {
        ...initial.data,
        'tls.crt': stranger.data['tls.crt'],
        'tls.key': stranger.data['tls.key'],
      },
      wanted: request(start),
      action: 'reissue-serving',
      reason: /^serving certificate does not chain to a valid CA in ca\.crt$/,
    },
    {
      name: 'a CA inside its renewal window is rotated',
      stored: initial.data,
      wanted: request(daysAfterStart(3630)),
      action: 'rotate-ca',
      reason: /CA expires 2036-02-27T12:00:00.000Z, within the 30-day renewal window/,
    },
    {
      name: 'a missing CA key rotates the CA when the serving certificate needs renewal',
      stored: withoutCaKey,
      wanted: request(daysAfterStart(340)),
      action: 'rotate-ca',
      reason: /; no CA private key in ca\.key/,
    },
    {
      name: 'a missing CA key does not matter while the serving certificate is good',
      stored: withoutCaKey,
      wanted: request(start),
      action: 'keep',
      reason: /valid until/,
    },
    {
      name: 'garbage everywhere rotates the CA',
      stored: {
        'tls.crt': 'garbage',
        'tls.key': 'garbage',
        'ca.crt': '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n',
        'ca.key': 'garbage',
      },
      wanted: request(start),
      action: 'rotate-ca',
      reason: /no readable serving certificate in tls\.crt; ca\.key is not a readable private key/,
    },
    {
      name: 'a CA bundle that is garbage rotates the CA',
      stored: { ...initial.data, 'ca.crt': 'garbage' },
      wanted: request(start),
      action: 'rotate-ca',
      reason: /does not chain to a valid CA in ca\.crt; no CA in ca\.crt matches ca\.key/,
    },
  ];
  for (const { name, stored, wanted, action, reason } of cases) {
    it(name, () => {
      const decision = decideRenewal(stored, wanted);
      assert.equal(decision.action, action, decision.reason);
      assert.match(decision.reason, reason);
      assert.equal(renewCertificates(stored, wanted).action, action);
    });
  }
});

describe('what a renewal run stores', () => {
  it('the first run stores a serving certificate from a new CA whose key is kept for later', () => {
    const { data } = initial;
    assert.equal(fingerprints(data['ca.crt']).length, 1);
    assert.ok(chainsTo(data, data['ca.crt']));
    assert.ok(certificateMatchesKey(data['tls.crt'], data['tls.key']));
    assert.ok(certificateMatchesKey(data['ca.crt'], data['ca.key']));
    assert.match(new X509Certificate(data['ca.crt']).subject, /^CN=harbor-image-webhook-ca@\d+$/);
    assert.equal(new X509Certificate(data['tls.crt']).subject, 'CN=svc.ns.svc');
  });

  it('a reissue keeps the CA and its key and replaces only the serving pair', () => {
    const { data } = renewWritten(initial.data, request(daysAfterStart(340)));
    assert.equal(data['ca.crt'], initial.data['ca.crt']);
    assert.equal(data['ca.key'], initial.data['ca.key']);
    assert.notEqual(data['tls.key'], initial.data['tls.key']);
    assert.ok(chainsTo(data, initial.data['ca.crt']));
    assert.deepEqual(inspectCertificate(data['tls.crt']).notAfter, daysAfterStart(340 + 365));
  });

  it('a CA rotation keeps the old CA in the bundle next to the new one', () => {
    const { data } = renewWritten(initial.data, request(daysAfterStart(3630)));
    const [newCa, oldCa, ...others] = fingerprints(data['ca.crt']);
    assert.deepEqual(others, []);
    assert.equal(oldCa, fingerprints(initial.data['ca.crt'])[0]);
    assert.notEqual(newCa, oldCa);
    assert.ok(chainsTo(data, parseCertificateBundle(data['ca.crt'])[0]!.toString()));
    assert.ok(
      certificateMatchesKey(parseCertificateBundle(data['ca.crt'])[0]!.toString(), data['ca.key']),
    );
  });

  it('after a rotation both the old and the new serving certificates verify against the bundle', () => {
    const rotationDay = daysAfterStart(3630);
    const { data } = renewWritten(initial.data, request(rotationDay));
    const oldServing = issueServingCertificate(
      {
        certificatePem: initial.data['ca.crt'],
        privateKeyPem: initial.data['ca.key'],
        notBefore: start,
        notAfter: start,
      },
      { ...request(rotationDay), validityDays: 10 },
    );
    const bundle = parseCertificateBundle(data['ca.crt']);
    for (const serving of [oldServing.certificatePem, data['tls.crt']]) {
      const certificate = new X509Certificate(serving);
      assert.ok(
        bundle.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey)),
      );
    }
  });

  it('the next run after a rotation keeps everything', () => {
    const rotated = renewWritten(initial.data, request(daysAfterStart(3630)));
    assert.equal(
      decideRenewal(rotated.data, request(daysAfterStart(3631))).action,
      RenewalAction.keep,
    );
  });

  it('an expired CA is dropped from the bundle at the next write', () => {
    const rotated = renewWritten(initial.data, request(daysAfterStart(3630)));
    const afterOldCaExpired = request(daysAfterStart(3660), { ipAddresses: ['10.96.0.11'] });
    const { action, data } = renewWritten(rotated.data, afterOldCaExpired);
    assert.equal(action, RenewalAction.reissueServing);
    assert.deepEqual(fingerprints(data['ca.crt']), [fingerprints(rotated.data['ca.crt'])[0]]);
  });

  it('a rotation forced by a lost CA key keeps the old, still valid CA so the running server stays trusted', () => {
    const { action, data } = renewWritten(withoutCaKey, request(daysAfterStart(340)));
    assert.equal(action, RenewalAction.rotateCa);
    assert.deepEqual(fingerprints(data['ca.crt']).slice(1), fingerprints(initial.data['ca.crt']));
  });

  it('a foreign CA with its key in ca.key issues the serving certificate', () => {
    const ca = issueCertificateAuthority({
      commonName: 'corporate-ca',
      validityDays: 1000,
      keyAlgorithm: KeyAlgorithm.rsa2048,
      now: start,
    });
    const { action, data } = renewWritten(
      { 'ca.crt': ca.certificatePem, 'ca.key': ca.privateKeyPem },
      request(start),
    );
    assert.equal(action, RenewalAction.reissueServing);
    assert.ok(chainsTo(data, ca.certificatePem));
    assert.equal(new X509Certificate(data['tls.crt']).issuer, 'CN=corporate-ca');
  });

  it('IPv6 subjectAltNames compare by address, not by spelling', () => {
    const stored = renewWritten({}, request(start, { ipAddresses: ['fd00:0:0:0:0:0:0:a'] })).data;
    assert.equal(
      decideRenewal(stored, request(start, { ipAddresses: ['FD00::A'] })).action,
      RenewalAction.keep,
    );
  });

  it('non-CA certificates and garbage in ca.crt are left out of a new bundle', () => {
    const bundle = `junk\n${initial.data['tls.crt']}${initial.data['ca.crt']}`;
    const { data } = renewWritten(
      { ...initial.data, 'ca.crt': bundle },
      request(daysAfterStart(340)),
    );
    assert.deepEqual(fingerprints(data['ca.crt']), fingerprints(initial.data['ca.crt']));
  });
});
