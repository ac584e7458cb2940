import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadKubeConfig } from '../../src/kube/kube-config.ts';

describe('loading the kubeconfig for namespace awareness', () => {
  it('reads the file it is given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-config-'));
    try {
      const file = join(dir, 'config.yaml');
      await writeFile(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: c, cluster: {server: "https://10.0.0.1:6443"}}]',
          'users: [{name: u, user: {token: t}}]',
          'contexts: [{name: x, context: {cluster: c, user: u}}]',
          'current-context: x',
        ].join('\n'),
      );
      assert.equal(
        loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server,
        'https://10.0.0.1:6443',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file when it cannot be read', () => {
    assert.throws(
      () => loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig' }),
      /cannot load Kubernetes client configuration from \/nonexistent\/kubeconfig/,
    );
  });
});
