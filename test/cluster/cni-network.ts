/**
 * The pod network: one bridge (made by the namespace set-up, see
 * network-namespace.ts) with host-local addresses from the pod subnet, as
 * containernetworking-plugins configure it. The address store lives in the
 * work directory, not /var/lib/cni.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addresses, CNI_BRIDGE, paths } from './layout.ts';

/** The directory holding Debian's CNI plugins (containernetworking-plugins). */
export const CNI_BIN_DIR = '/usr/lib/cni';

/** Writes the CNI network list containerd's CRI plugin loads. */
export async function writeCniConfig(): Promise<void> {
  await mkdir(paths.cniConf, { recursive: true });
  await mkdir(paths.cniIpam, { recursive: true });
  const config = {
    cniVersion: '1.0.0',
    name: 'harbor-node',
    plugins: [
      {
        type: 'bridge',
        bridge: CNI_BRIDGE,
        isGateway: true,
        // Nothing leaves the namespace: no masquerading.
        ipMasq: false,
        // A Pod can reach itself through its Service.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: paths.cniIpam,
          ranges: [[{ subnet: addresses.podSubnet, gateway: addresses.bridge }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  await writeFile(
    join(paths.cniConf, '10-harbor-node.conflist'),
    `${JSON.stringify(config, null, 2)}\n`,
  );
}
