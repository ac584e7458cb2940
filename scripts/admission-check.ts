/**
 * admission-check: the chart's `helm test` Pod runs this from the webhook's own
 * image. It sends a dry-run AdmissionReview for a Pod running `--image` to the
 * webhook Service over TLS, verifying the serving certificate with `--ca-file`
 * (ca.crt of the TLS Secret), and checks that the patch moves the image to
 * `--harbor-host` (or to exactly `--expect`). With `--client-certificate-required`
 * (the chart passes it when clientCA is set) it checks instead that /mutate
 * refuses this client, which has no certificate, while /readyz answers. It
 * connects to the ClusterIP in `<SERVICE>_SERVICE_HOST` when the kubelet set it,
 * so it needs no cluster DNS.
 *
 *   node dist/scripts/admission-check.js --url https://SERVICE.NAMESPACE.svc:443 --ca-file FILE
 *       --image nginx:1.25 --harbor-host HOST [--expect IMAGE] [--namespace NS]
 *       [--client-certificate-required]
 *
 * Exit codes: 0 passed, 1 the webhook did not do what was expected, 2 usage.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { parseArgs } from 'node:util';
import { admissionReviewFor, judgeAnswer } from './admission-check/review.ts';
import { serviceAddress } from './admission-check/service-address.ts';

const TIMEOUT_MS = 10_000;

const USAGE =
  'usage: admission-check --url https://SERVICE.NAMESPACE.svc:PORT --ca-file FILE --image IMAGE ' +
  '--harbor-host HOST [--expect IMAGE] [--namespace NS] [--client-certificate-required]';

function parseOptions() {
  try {
    return parseArgs({
      options: {
        url: { type: 'string' },
        'ca-file': { type: 'string' },
        image: { type: 'string' },
        'harbor-host': { type: 'string' },
        expect: { type: 'string' },
        namespace: { type: 'string', default: 'default' },
        'client-certificate-required': { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`admission-check: ${(error as Error).message.split('\n')[0]}\n${USAGE}`);
    process.exit(2);
  }
}
const values = parseOptions();

function required(name: 'url' | 'ca-file' | 'image' | 'harbor-host'): string {
  const value = values[name];
  if (value !== undefined && value !== '') return value;
  console.error(
    `admission-check: --url, --ca-file, --image and --harbor-host are required\n${USAGE}`,
  );
  process.exit(2);
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTPS request to `url` + `path`, trusting only `ca` and verifying the certificate for the
 * URL's host name, connected to the Service's ClusterIP from the environment when the kubelet
 * gave one (no DNS needed); rejects on TLS or network errors.
 */
function send(path: string, ca: string, body?: string): Promise<Answer> {
  const url = new URL(path, required('url'));
  const service = serviceAddress(url.hostname, process.env);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        hostname: service?.address ?? url.hostname,
        port: url.port === '' ? 443 : Number(url.port),
        path: url.pathname,
        servername: url.hostname,
        method: body === undefined ? 'GET' : 'POST',
        ca,
        agent: false,
        headers: {
          host: url.host,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.setTimeout(TIMEOUT_MS, () =>
      outgoing.destroy(new Error(`no answer from ${url.origin} within ${TIMEOUT_MS} ms`)),
    );
    outgoing.end(body);
  });
}

async function checkRewrite(ca: string): Promise<string> {
  const image = required('image');
  const review = admissionReviewFor(image, values.namespace);
  const answer = await send('/mutate', ca, JSON.stringify(review));
  const verdict = judgeAnswer(answer.status, answer.body, {
    image,
    harborHost: required('harbor-host'),
    ...(values.expect ? { expectedImage: values.expect } : {}),
  });
  if (!verdict.ok) throw new Error(verdict.problem);
  return `${image} -> ${verdict.image}`;
}

async function checkClientCertificateRequired(ca: string): Promise<string> {
  const ready = await send('/readyz', ca);
  if (ready.status !== 200) throw new Error(`/readyz answered HTTP ${ready.status}: ${ready.body}`);
  const review = admissionReviewFor(required('image'), values.namespace);
  const answer = await send('/mutate', ca, JSON.stringify(review));
  if (answer.status !== 401) {
    throw new Error(`/mutate answered HTTP ${answer.status} to a client without a certificate`);
  }
  return '/readyz answers, /mutate refuses a client without a certificate (clientCA is set)';
}

async function main(): Promise<number> {
  const url = required('url');
  if (!URL.canParse(url)) {
    console.error(
      `admission-check: --url ${url} is not a URL (https://SERVICE.NAMESPACE.svc:PORT)`,
    );
    return 2;
  }
  const parsed = new URL(url);
  const service = serviceAddress(parsed.hostname, process.env);
  const target = `${parsed.origin}${service ? ` (${service.address} from ${service.variable})` : ''}`;
  try {
    const ca = await readFile(required('ca-file'), 'utf8');
    const passed = values['client-certificate-required']
      ? await checkClientCertificateRequired(ca)
      : await checkRewrite(ca);
    console.log(`admission-check passed against ${target}: ${passed}`);
    return 0;
  } catch (error) {
    console.error(`admission-check failed against ${target}: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
