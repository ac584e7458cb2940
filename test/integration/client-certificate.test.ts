import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import {
  issueCertificateAuthority,
  issueClientCertificate,
  KeyAlgorithm,
} from '../../src/certificates/issue.ts';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

describe('mutual TLS with --client-ca-file', () => {
  const clientCa = issueCertificateAuthority({
    commonName: 'apiserver client CA',
    validityDays: 30,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const apiserver = issueClientCertificate(clientCa, {
    commonName: 'kube-apiserver',
    validityDays: 30,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const strangerCa = issueCertificateAuthority({
    commonName: 'someone else',
    validityDays: 30,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const stranger = issueClientCertificate(strangerCa, {
    commonName: 'stranger',
    validityDays: 30,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  let test: TestServer;

  before(async () => {
    const clientCaFile = join(tmpdir(), `hiw-client-ca-${process.pid}.crt`);
    await writeFile(clientCaFile, clientCa.certificatePem);
    test = await startTestServer({ config: { clientCaFile } });
  });
  after(async () => {
    await test.close();
  });

  for (const http2 of [false, true]) {
    it(`admits the apiserver presenting a certificate from the client CA over ${http2 ? 'HTTP/2' : 'HTTP/1.1'}`, async () => {
      const response = await postJson(test.port, '/mutate', loadJsonFixture('pod-create-v1.json'), {
        ca: test.ca.certificatePem,
        http2,
        clientCertificate: { cert: apiserver.certificatePem, key: apiserver.privateKeyPem },
      });
      assert.equal(response.status, 200);
    });
  }

  it('refuses /mutate without a client certificate with 401', async () => {
    const response = await postJson(test.port, '/mutate', loadJsonFixture('pod-create-v1.json'), {
      ca: test.ca.certificatePem,
    });
    assert.equal(response.status, 401);
  });

  it('refuses /preview with a certificate from another CA', async () => {
    const response = await send(test.port, '/preview', {
      ca: test.ca.certificatePem,
      method: 'POST',
      body: 'kind: ConfigMap',
      clientCertificate: { cert: stranger.certificatePem, key: stranger.privateKeyPem },
    }).catch(() => ({ status: 0 }));
    assert.ok(response.status === 401 || response.status === 0, `got ${response.status}`);
  });

  it('still answers the kubelet probes, which present no certificate', async () => {
    assert.equal((await send(test.port, '/healthz', { ca: test.ca.certificatePem })).status, 200);
    assert.equal((await send(test.port, '/readyz', { ca: test.ca.certificatePem })).status, 200);
  });
});
