/**
 * `npm run cluster:up`: a real single-node Kubernetes cluster on this
 * machine (see README "Try it on a real node"). Prints the kubeconfig and
 * how to use it; on failure, the part that failed and its log.
 */
import { bringUp } from './bring-up.ts';
import { NETNS } from './layout.ts';

const started = Date.now();
const progress = (line: string): void => {
  console.error(`cluster:up [${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
};

try {
  const info = await bringUp(progress);
  progress('node Ready');
  console.log(`
The cluster is up (node ${info.nodeName}, logs in ${info.logsDir}).

  export KUBECONFIG=${info.kubeconfig}
  kubectl get nodes -o wide

The apiserver is ${info.apiServer} (forwarded from the node's network namespace).
Registries, reachable only on the node (its namespace "${NETNS}"):
  ${info.registries.artifacts.host}  trusted by the node; CA ${info.registries.artifacts.caFile}
  ${info.registries.harbor.host}     the Harbor stand-in, NOT trusted yet; CA ${info.registries.harbor.caFile}
Run a command on the node (skopeo, curl, ctr):
  nsenter -t ${info.holderPid} -m -n <command>

Stop everything and restore the machine: npm run cluster:down
`);
} catch (error) {
  console.error(`cluster:up failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
