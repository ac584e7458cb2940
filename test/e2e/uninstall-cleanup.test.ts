/**
 * The chart's post-delete hook (cleanupOnUninstall) on a real apiserver:
 * `cert-bootstrap uninstall` run with the exact arguments of the rendered Job,
 * as its ServiceAccount, with only the hook's own rendered RBAC. It deletes
 * the TLS Secret and this release's pull-secret copies (labelled as the
 * webhook labels them) in every namespace, and nothing else; the
 * ServiceAccount can delete but never read a Secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { copiesOfSourceSelector } from '../../src/kube/pull-secret-copy.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { makeTempDir, type TempDir } from './support/exit-cleanup.ts';
import { CHART_DIR } from './support/paths.ts';
import { writeServiceAccountKubeconfig } from './support/service-account.ts';
import { localOnlySkipReason } from './support/settings.ts';
import { assertSucceeded, certBootstrap, helm, kubectl } from './support/tools.ts';

const RELEASE = 'hiw';
const HOOK = `${RELEASE}-harbor-image-webhook-uninstall`;
const TLS_SECRET = `${RELEASE}-harbor-image-webhook-tls`;
const SOURCE = 'harbor-pull';

interface RenderedObject {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { template: { spec: { serviceAccountName: string; containers: { args: string[] }[] } } };
}

describe("The chart's uninstall hook on a real apiserver", { skip: localOnlySkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let workDir: TempDir | undefined;
  let releaseNamespace = '';
  let hookObjects: RenderedObject[] = [];
  let hookManifest = '';

  before(async () => {
    workDir = await makeTempDir('harbor-e2e-uninstall-');
    cluster = await startCluster();
    releaseNamespace = await cluster.namespaces.create('uninstall', { optIn: false });
    const template = await helm([
      ...['template', RELEASE, CHART_DIR, '--namespace', releaseNamespace],
      ...['--set', 'policy.harbor.host=harbor.test'],
      ...['--set', `policy.pullSecretSync.source=${releaseNamespace}/${SOURCE}`],
    ]);
    assertSucceeded('helm template', template);
    const documents = template.stdout.split(/^---$/m);
    const ofHook = documents.filter((document) => {
      const object = parseAllDocuments(document)[0]?.toJS() as RenderedObject | null;
      return object?.metadata.annotations?.['helm.sh/hook'] === 'post-delete';
    });
    hookManifest = ofHook.join('\n---\n');
    hookObjects = ofHook.map(
      (document) => parseAllDocuments(document)[0]!.toJS() as RenderedObject,
    );
  });

  after(async () => {
    await workDir?.remove();
    await cluster?.stop();
  });

  it('deletes the TLS Secret and the copies of this source in every namespace, as the Job with only its RBAC; nothing else', async () => {
    const { core, namespaces, kubeconfigFile } = cluster!;
    // Which objects the hook renders is test/chart's; here: they work as rendered.
    assert.ok(hookObjects.some((object) => object.kind === 'ClusterRole'));
    const rbac = hookManifest
      .split('\n---\n')
      .filter((document) => !/^kind: Job$/m.test(document))
      .join('\n---\n');
    assertSucceeded(
      'kubectl apply the hook RBAC',
      await kubectl(kubeconfigFile, ['apply', '-n', releaseNamespace, '-f', '-'], rbac),
    );
    const teamA = await namespaces.create('team-a', { optIn: true });
    const teamB = await namespaces.create('team-b', { optIn: false });
    const copyLabels = Object.fromEntries(
      copiesOfSourceSelector(releaseNamespace, SOURCE)
        .split(',')
        .map((term) => term.split('=') as [string, string]),
    );
    const secret = async (namespace: string, name: string, labels: Record<string, string>) =>
      core.createNamespacedSecret({
        namespace,
        body: { metadata: { name, labels }, stringData: { k: 'v' } },
      });
    await secret(releaseNamespace, TLS_SECRET, {});
    await secret(releaseNamespace, SOURCE, {});
    await secret(releaseNamespace, 'user-own', {});
    await secret(teamA, SOURCE, copyLabels);
    await secret(teamB, SOURCE, copyLabels);
    await secret(teamA, 'user-own', { 'app.kubernetes.io/managed-by': 'harbor-image-webhook' });
    await secret(teamB, 'other-release-copy', {
      ...copyLabels,
      'harbor-image-webhook/pull-secret-source': 'elsewhere.harbor-pull',
    });

    const job = hookObjects.find((object) => object.kind === 'Job')!;
    const pod = job.spec!.template.spec;
    assert.equal(pod.serviceAccountName, HOOK);
    const asHook = await writeServiceAccountKubeconfig(
      cluster!,
      { namespace: releaseNamespace, name: HOOK },
      workDir!.path,
    );
    const run = await certBootstrap(asHook, pod.containers[0]!.args);
    assertSucceeded('cert-bootstrap uninstall', run);
    assert.deepEqual(run.json?.['secrets'], { [`${releaseNamespace}/${TLS_SECRET}`]: 'deleted' });

    const names = async (namespace: string): Promise<string[]> =>
      (await core.listNamespacedSecret({ namespace })).items.map((item) => item.metadata!.name!);
    assert.deepEqual((await names(releaseNamespace)).sort(), [SOURCE, 'user-own']);
    assert.deepEqual(await names(teamA), ['user-own']);
    assert.deepEqual(await names(teamB), ['other-release-copy']);

    // Idempotent: a rerun (the Job's restart) finds nothing left to do.
    const again = await certBootstrap(asHook, pod.containers[0]!.args);
    assertSucceeded('cert-bootstrap uninstall, again', again);
    assert.deepEqual(again.json?.['secrets'], { [`${releaseNamespace}/${TLS_SECRET}`]: 'absent' });

    // The hook can delete, never read: no get, list or watch on any Secret.
    for (const verb of ['get', 'list', 'watch']) {
      const canI = await kubectl(asHook, ['auth', 'can-i', verb, 'secrets', '-n', teamA]);
      assert.equal(canI.stdout.trim(), 'no', `${verb} secrets`);
    }
  });
});
