/**
 * The start-up check: one `GET /v2/` (the registry API's version check,
 * which `docker login` also uses), with the authentication the registry
 * asks for, to log clearly whether Harbor is reachable and takes the
 * credentials. It never decides readiness: a Harbor outage must not take
 * the webhook down. A Bearer challenge is answered with a token request
 * without a scope, as `docker login` does: it proves the credentials.
 */
import type { Agent } from 'node:https';
import type { RegistryAuth } from './registry-auth.ts';
import { joinedHeader } from './manifest-lookup.ts';
import {
  RegistryRequestError,
  sendRegistryRequest,
  type RegistryResponse,
} from './registry-http.ts';

export const ProbeCredentials = {
  /** The registry (or its token service) accepted them. */
  accepted: 'accepted',
  /** The registry or token service refused them. */
  refused: 'refused',
  /** The registry asks for credentials and none are configured. */
  missing: 'missing',
  /** The registry answers without authentication. */
  notNeeded: 'not-needed',
  /** Not known: the registry could not be reached or answered oddly. */
  unknown: 'unknown',
} as const;
export type ProbeCredentials = (typeof ProbeCredentials)[keyof typeof ProbeCredentials];

/** What the probe found, for one log line. Holds no secret. */
export interface RegistryProbe {
  readonly host: string;
  /** An HTTP answer came back over verified TLS. */
  readonly reachable: boolean;
  /** The scheme the registry asked for: `basic`, `bearer`, or `none`. */
  readonly authentication: 'basic' | 'bearer' | 'none' | 'unknown';
  readonly credentials: ProbeCredentials;
  /** The whole finding as a sentence: `harbor.example.com: reachable, bearer auth, credentials accepted`. */
  readonly summary: string;
}

function result(
  host: string,
  fields: Omit<RegistryProbe, 'host' | 'summary'>,
  detail?: string,
): RegistryProbe {
  const parts = [
    fields.reachable ? 'reachable' : 'NOT reachable',
    ...(fields.authentication === 'unknown' ? [] : [`${fields.authentication} auth`]),
    ...(fields.credentials === ProbeCredentials.unknown
      ? []
      : [`credentials ${fields.credentials}`]),
    ...(detail === undefined ? [] : [detail]),
  ];
  return { host, ...fields, summary: `${host}: ${parts.join(', ')}` };
}

/** What an authenticated `/v2/` status says of the credentials. */
function credentialsVerdict(status: number): ProbeCredentials {
  if (status === 200) return ProbeCredentials.accepted;
  if (status === 401) return ProbeCredentials.refused;
  return ProbeCredentials.unknown;
}

type ProbeContext = {
  readonly agent: Agent;
  readonly auth: RegistryAuth;
  readonly host: string;
};

/** Probes `host`'s `/v2/`; never rejects. */
export async function probeRegistry(
  context: ProbeContext,
  signal: AbortSignal,
): Promise<RegistryProbe> {
  const { agent, host } = context;
  const get = (authorization: string | undefined) =>
    sendRegistryRequest(agent, {
      method: 'GET',
      url: new URL(`https://${host}/v2/`),
      signal,
      maxBodyBytes: 64 * 1024,
      headers: authorization === undefined ? {} : { authorization },
    });
  try {
    const first = await get(undefined);
    if (first.status === 200) {
      return result(host, {
        reachable: true,
        authentication: 'none',
        credentials: ProbeCredentials.notNeeded,
      });
    }
    if (first.status !== 401) {
      return result(
        host,
        { reachable: true, authentication: 'unknown', credentials: ProbeCredentials.unknown },
        `unexpected HTTP ${first.status} from /v2/`,
      );
    }
    return await answerProbeChallenge(context, joinedHeader(first.headers['www-authenticate']), {
      get,
      signal,
    });
  } catch (error) {
    const reason = error instanceof RegistryRequestError ? error.message : 'internal error';
    return result(
      host,
      { reachable: false, authentication: 'unknown', credentials: ProbeCredentials.unknown },
      reason,
    );
  }
}

/** After a 401 on `/v2/`: authenticate as the registry asks and try again. */
async function answerProbeChallenge(
  context: ProbeContext,
  challenge: string | undefined,
  request: {
    readonly get: (authorization: string | undefined) => Promise<RegistryResponse>;
    readonly signal: AbortSignal;
  },
): Promise<RegistryProbe> {
  const { auth, host } = context;
  const answer = await auth.answerChallenge(challenge, undefined, request.signal);
  const scheme = auth.scheme === 'basic' || auth.scheme === 'bearer' ? auth.scheme : 'unknown';
  if (!auth.hasCredentials) {
    return result(
      host,
      { reachable: true, authentication: scheme, credentials: ProbeCredentials.missing },
      answer.ok ? undefined : answer.reason,
    );
  }
  if (!answer.ok) {
    const refused = /refused/.test(answer.reason);
    return result(
      host,
      {
        reachable: true,
        authentication: scheme,
        credentials: refused ? ProbeCredentials.refused : ProbeCredentials.unknown,
      },
      answer.reason,
    );
  }
  const second = await request.get(answer.authorization);
  return result(
    host,
    { reachable: true, authentication: scheme, credentials: credentialsVerdict(second.status) },
    second.status === 200 || second.status === 401 ? undefined : `HTTP ${second.status}`,
  );
}
