#!/usr/bin/env node
/*
 * The `harbor-image-webhook` command (package.json "bin"). Plain CommonJS in
 * the oldest syntax on purpose: it must run on any Node.js to say which one
 * it needs, before loading code that only Node.js 24 can parse or run.
 *
 * Then it runs the program: in a git checkout the TypeScript source, which
 * Node.js 24 runs as it is (so `npx harbor-image-webhook` needs no build and
 * never runs a stale one); in an installed package, which has no source, the
 * compiled dist/.
 */
'use strict';

var fs = require('fs');
var path = require('path');
var url = require('url');

var root = path.join(__dirname, '..');
var required = Number(/\d+/.exec(require('../package.json').engines.node)[0]);
var running = Number(process.versions.node.split('.')[0]);

if (running < required) {
  process.stderr.write(
    'harbor-image-webhook: needs Node.js ' +
      required +
      ' or newer; this is Node.js ' +
      process.version +
      ' (' +
      process.execPath +
      '). Install Node.js ' +
      required +
      ' (https://nodejs.org), or in the git checkout run it with npx, which uses the Node.js ' +
      required +
      ' that npm ci installed.\n',
  );
  process.exit(3);
}

var candidates = [
  path.join(root, 'src', 'cli', 'main.ts'),
  path.join(root, 'dist', 'src', 'cli', 'main.js'),
];
var entry = candidates.filter(function (file) {
  return fs.existsSync(file);
})[0];

if (entry === undefined) {
  process.stderr.write(
    'harbor-image-webhook: this installation has neither src/ nor dist/ in ' +
      root +
      '; reinstall it from a package made by npm pack (which builds dist/).\n',
  );
  process.exit(3);
}

import(url.pathToFileURL(entry).href);
