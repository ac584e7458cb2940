// Joining docker-registry 2.8's log lines by request: who each manifest was served to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registryRequests, servedManifests } from '../cluster/registry-log.ts';

/**
 * Real lines of Debian's docker-registry 2.8.2 at log level debug with htpasswd auth (from
 * a run on 127.0.0.1): a GET refused without credentials (401: no "response completed"),
 * a HEAD served to robot-pull, a GET of a missing tag (404) by robot-pull, a GET served to
 * robot-pull, and an access-log line (no request id).
 */
const LOG = [
  'time="2026-12-02T07:01:09.218784612Z" level=debug msg="authorizing request" go.version=go1.19.8 http.request.host="127.0.0.1:44745" http.request.id=1eeb6f8a-59b6-4865-b0b7-aab9da817793 http.request.method=GET http.request.remoteaddr="127.0.0.1:58754" http.request.uri=/v2/p/r/manifests/v1 http.request.useragent=curl/7.88.1 vars.name=p/r vars.reference=v1',
  'time="2026-12-02T07:01:09.21904173Z" level=warning msg="error authorizing context: basic authentication challenge for realm \\"test\\": invalid authorization credential" go.version=go1.19.8 http.request.host="127.0.0.1:44745" http.request.id=1eeb6f8a-59b6-4865-b0b7-aab9da817793 http.request.method=GET http.request.remoteaddr="127.0.0.1:58754" http.request.uri=/v2/p/r/manifests/v1 http.request.useragent=curl/7.88.1 vars.name=p/r vars.reference=v1',
  'time="2026-12-02T07:01:09.373228304Z" level=debug msg=GetImageManifest auth.user.name=robot-pull go.version=go1.19.8 http.request.host="127.0.0.1:44745" http.request.id=5583c606-9d90-4fe7-b0b9-9ac847186f95 http.request.method=HEAD http.request.remoteaddr="127.0.0.1:58756" http.request.uri=/v2/p/r/manifests/v1 http.request.useragent=curl/7.88.1 vars.name=p/r vars.reference=v1',
  'time="2026-12-02T07:01:09.377983227Z" level=info msg="response completed" go.version=go1.19.8 http.request.host="127.0.0.1:44745" http.request.id=5583c606-9d90-4fe7-b0b9-9ac847186f95 http.request.method=HEAD http.request.remoteaddr="127.0.0.1:58756" http.request.uri=/v2/p/r/manifests/v1 http.request.useragent=curl/7.88.1 http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=14.118044ms http.response.status=200 http.response.written=247',
  'time="2026-12-02T06:42:12.970659942Z" level=error msg="response completed with error" auth.user.name=robot-pull err.code="manifest unknown" err.detail="unknown tag=latest" err.message="manifest unknown" go.version=go1.19.8 http.request.host="127.0.0.1:37613" http.request.id=955a14b5-1fbc-4d36-961c-b532ce32aa72 http.request.method=GET http.request.remoteaddr="127.0.0.1:53178" http.request.uri=/v2/x/y/manifests/latest http.request.useragent=curl/7.88.1 http.response.contenttype="application/json; charset=utf-8" http.response.duration=11.439916ms http.response.status=404 http.response.written=96 vars.name=x/y vars.reference=latest',
  'time="2026-12-02T06:42:24.423405462Z" level=info msg="authorized request" go.version=go1.19.8 http.request.host="127.0.0.1:37613" http.request.id=200ebc56-d5c8-4936-be0f-d663c111833d http.request.method=GET http.request.remoteaddr="127.0.0.1:41712" http.request.uri=/v2/p/r/manifests/v1 http.request.useragent=curl/7.88.1 vars.name=p/r vars.reference=v1',
  'time="2026-12-02T06:42:24.425359807Z" level=debug msg="filesystem.Reader(\\"/docker/registry/v2/blobs/sha256/09/09ade42fe3e69018a3360bb092265af902f9e7d6013146cf152c82ac3a944707/data\\", 0)" auth.user.name=robot-pull go.version=go1.19.8 http.request.host="127.0.0.1:37613" http.request.id=200ebc56-d5c8-4936-be0f-d663c111833d http.request.method=GET http.request.remoteaddr="127.0.0.1:41712" http.request.uri=/v2/p/r/manifests/v1 http.request.useragent=curl/7.88.1 trace.duration="17.363\u00b5s" trace.file=github.com/docker/distribution/registry/storage/driver/base/base.go trace.func="github.com/docker/distribution/registry/storage/driver/base.(*Base).Reader" trace.id=c5bf33f6-7db0-4d5c-a4ec-f07fbee0aff7 trace.line=125 vars.name=p/r vars.reference=v1',
  'time="2026-12-02T06:42:24.425961218Z" level=info msg="response completed" go.version=go1.19.8 http.request.host="127.0.0.1:37613" http.request.id=200ebc56-d5c8-4936-be0f-d663c111833d http.request.method=GET http.request.remoteaddr="127.0.0.1:41712" http.request.uri=/v2/p/r/manifests/v1 http.request.useragent=curl/7.88.1 http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=6.584732ms http.response.status=200 http.response.written=247',
  '127.0.0.1 - - [02/Dec/2026:07:01:09 +0000] "HEAD /v2/p/r/manifests/v1 HTTP/2.0" 200 247 "" "curl/7.88.1"',
].join('\n');

describe('registryRequests over a docker-registry 2.8 debug log', () => {
  it("joins each request's lines by http.request.id: method, URI, status and user", () => {
    assert.deepEqual(
      registryRequests(LOG).map(({ method, uri, status, user }) => ({ method, uri, status, user })),
      [
        { method: 'GET', uri: '/v2/p/r/manifests/v1', status: undefined, user: undefined },
        { method: 'HEAD', uri: '/v2/p/r/manifests/v1', status: 200, user: 'robot-pull' },
        { method: 'GET', uri: '/v2/x/y/manifests/latest', status: 404, user: 'robot-pull' },
        { method: 'GET', uri: '/v2/p/r/manifests/v1', status: 200, user: 'robot-pull' },
      ],
    );
  });

  it('servedManifests keeps the 200 answers for one repository only', () => {
    const served = servedManifests(LOG, 'p/r');
    assert.deepEqual(
      served.map((request) => `${request.method} ${request.user}`),
      ['HEAD robot-pull', 'GET robot-pull'],
    );
    assert.deepEqual(servedManifests(LOG, 'x/y'), []);
    assert.deepEqual(servedManifests(LOG, 'p'), []);
  });
});
