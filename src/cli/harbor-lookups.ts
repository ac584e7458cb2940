/**
 * One round of lookups in Harbor for an offline command (`preview --verify`,
 * `sync-plan --verify`): a client built as `serve` builds it (the policy's
 * `harbor.caFile` and `harbor.credentialsFile`), the same budgeted lookup
 * step as admission (`verify.budgetMs`), and the client closed afterwards.
 * The registry client is loaded only here: without `--verify` the offline
 * commands never load it.
 */
import { ExitCode, UserError } from '../config/user-error.ts';
import type { Policy } from '../core/policy.ts';
import type { ImageReference } from '../core/reference.ts';
import type { LookupResults } from '../core/verification.ts';

/**
 * Looks `references` up in Harbor within the policy's budget. Harbor's own
 * failures (down, refused credentials, out of time) are `unavailable`
 * results; a CA or credentials file that cannot be used is a configuration
 * error (exit 3) naming the policy file `config`.
 */
export async function lookUpInHarbor(
  policy: Policy,
  references: readonly ImageReference[],
  config: string,
): Promise<LookupResults> {
  const [{ buildRegistryClient }, { lookUpWithin }] = await Promise.all([
    import('../server/registry-client-factory.ts'),
    import('../server/registry-lookups.ts'),
  ]);
  const built = await buildRegistryClient(policy, () => {});
  if (!built.ok) {
    throw new UserError(ExitCode.configuration, `${config}: ${built.problems.join('; ')}`, {
      hint: 'check harbor.caFile and harbor.credentialsFile in the policy',
    });
  }
  try {
    const { lookups } = await lookUpWithin(built.client, references, policy.verify.budgetMs);
    return lookups;
  } finally {
    built.client.close();
  }
}
