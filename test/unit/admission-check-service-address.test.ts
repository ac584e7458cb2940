// Which ClusterIP the `helm test` program connects to (scripts/admission-check/service-address.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  serviceAddress,
  serviceHostVariable,
} from '../../scripts/admission-check/service-address.ts';

describe('serviceHostVariable', () => {
  it("names the kubelet's variable for the Service of a cluster host name", () => {
    assert.equal(
      serviceHostVariable('hiw-harbor-image-webhook.harbor-system.svc'),
      'HIW_HARBOR_IMAGE_WEBHOOK_SERVICE_HOST',
    );
    assert.equal(serviceHostVariable('localhost'), 'LOCALHOST_SERVICE_HOST');
  });
});

describe('serviceAddress', () => {
  it('reads the ClusterIP from the environment, and nothing when it is unset or empty', () => {
    const host = 'web.ns.svc';
    assert.deepEqual(serviceAddress(host, { WEB_SERVICE_HOST: '10.96.0.7' }), {
      address: '10.96.0.7',
      variable: 'WEB_SERVICE_HOST',
    });
    assert.equal(serviceAddress(host, {}), undefined);
    assert.equal(serviceAddress(host, { WEB_SERVICE_HOST: '' }), undefined);
  });
});
