/**
 * What a client can negotiate with the webhook port: TLS only, TLS 1.2 with
 * forward-secret AEAD suites or TLS 1.3, nothing weaker, and no plaintext.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

type Handshake = { ok: true; version: string; cipher: string } | { ok: false; error: string };

function handshake(port: number, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ...options }, () => {
      resolve({ ok: true, version: socket.getProtocol() ?? '', cipher: socket.getCipher().name });
      socket.destroy();
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
    socket.on('error', (error) => resolve({ ok: false, error: error.message }));
  });
}

describe('transport security of the webhook port', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  it('answers no plaintext HTTP request', async () => {
    const reply = await new Promise<string>((resolve) => {
      let received = '';
      const socket = netConnect(test.port, '127.0.0.1', () =>
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
      );
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('close', () => resolve(received));
      socket.on('error', () => undefined);
      socket.setTimeout(5000, () => socket.destroy());
    });
    assert.doesNotMatch(reply, /^HTTP\/1\.[01] 2/);
  });

  it('negotiates TLS 1.3, or TLS 1.2 with an ECDHE AEAD suite, with a modern client', async () => {
    const ca = test.ca.certificatePem;
    const modern = await handshake(test.port, { ca });
    assert.deepEqual(modern.ok && modern.version, 'TLSv1.3');
    const tls12 = await handshake(test.port, { ca, maxVersion: 'TLSv1.2' });
    assert.ok(tls12.ok, JSON.stringify(tls12));
    assert.match(
      tls12.cipher,
      /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/,
    );
  });

  it('refuses TLS 1.2 clients that offer only CBC, static RSA key exchange or SHA-1 suites, and TLS 1.1', async () => {
    const ca = test.ca.certificatePem;
    const weak = [
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA384',
      'ECDHE-RSA-AES128-SHA256',
      'AES128-GCM-SHA256',
      'AES256-SHA',
    ];
    for (const ciphers of weak) {
      const result = await handshake(test.port, { ca, maxVersion: 'TLSv1.2', ciphers });
      assert.equal(result.ok, false, `${ciphers}: ${JSON.stringify(result)}`);
    }
    const tls11 = await handshake(test.port, {
      ca,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    assert.equal(tls11.ok, false, JSON.stringify(tls11));
  });
});
