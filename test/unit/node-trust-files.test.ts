import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRegistryHost, trustFiles } from '../../scripts/node-trust/trust-files.ts';

describe('node trust files', () => {
  it('writes ca.crt, then hosts.toml naming it by its path on the node', () => {
    const files = trustFiles('/etc/containerd/certs.d', 'harbor.example.com:8443', 'PEM');
    assert.deepEqual(
      files.map((file) => file.path),
      [
        '/etc/containerd/certs.d/harbor.example.com:8443/ca.crt',
        '/etc/containerd/certs.d/harbor.example.com:8443/hosts.toml',
      ],
    );
    assert.equal(files[0]!.content, 'PEM\n');
    assert.match(files[1]!.content, /^server = "https:\/\/harbor\.example\.com:8443"$/m);
    assert.match(files[1]!.content, /^\[host\."https:\/\/harbor\.example\.com:8443"\]$/m);
    assert.match(
      files[1]!.content,
      /^ {2}ca = "\/etc\/containerd\/certs\.d\/harbor\.example\.com:8443\/ca\.crt"$/m,
    );
  });

  it('refuses a host that could leave the certs.d directory or is not a host', () => {
    for (const host of [
      '../etc',
      'a/b',
      'https://harbor.test',
      '',
      'harbor..test',
      ' harbor.test',
    ]) {
      assert.throws(() => checkRegistryHost(host), /not a registry host/, host);
    }
    assert.equal(checkRegistryHost('harbor.test'), 'harbor.test');
  });
});
