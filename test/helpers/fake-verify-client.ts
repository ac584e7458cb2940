/**
 * A `BuildClient` for the server whose client answers from a lookup table,
 * with a probe and a close that tests can observe: the server's verify wiring
 * tested without a registry (test/registry has the real one).
 */
import type { RegistryLookup } from '../../src/core/registry-lookup.ts';
import type {
  BuildClient,
  LookupObserver,
  ProbeFinding,
} from '../../src/server/registry-wiring.ts';
import { lookupTable, type LookupTable } from './lookup-table.ts';

export interface FakeVerifyClients {
  readonly build: BuildClient;
  /** Every client built, in order, with whether it was closed. */
  readonly built: { table: LookupTable; closed: boolean; observer: LookupObserver }[];
}

export function fakeVerifyClients(
  table: Readonly<Record<string, RegistryLookup>>,
  options: { delayMs?: number; hang?: boolean; probe?: ProbeFinding } = {},
): FakeVerifyClients {
  const built: FakeVerifyClients['built'] = [];
  const build: BuildClient = (_policy, observer) => {
    const entry = { table: lookupTable(table, options), closed: false, observer };
    built.push(entry);
    return Promise.resolve({
      ok: true,
      files: [],
      client: {
        lookupAll: async (references, budgetMs) => {
          const answers = await entry.table.lookupAll(references, budgetMs);
          for (const answer of answers.values()) observer(answer.status, 0.002);
          return answers;
        },
        probe: () =>
          Promise.resolve(
            options.probe ?? {
              reachable: true,
              credentials: 'accepted',
              summary: 'harbor.example.com: reachable, basic auth, credentials accepted',
            },
          ),
        close: () => {
          entry.closed = true;
        },
      },
    });
  };
  return { build, built };
}
