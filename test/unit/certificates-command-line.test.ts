import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError } from '../../scripts/cert-bootstrap/api-status.ts';
import { parseCommandLine } from '../../scripts/cert-bootstrap/command-line.ts';
import { UsageError } from '../../scripts/cert-bootstrap/usage.ts';

const create = ['create', '--namespace', 'ns', '--secret-name', 'tls', '--service', 'svc'];
const patch = ['patch', '--namespace', 'ns', '--secret-name', 'tls', '--webhook-name', 'hook'];

describe('the cert-bootstrap command line', () => {
  it('create takes its defaults from the contract', () => {
    assert.deepEqual(parseCommandLine(create), {
      command: 'create',
      kubeconfig: undefined,
      options: {
        namespace: 'ns',
        secretName: 'tls',
        service: 'svc',
        extraSubjectAltNames: { dnsNames: [], ipAddresses: [] },
        keyAlgorithm: 'ecdsa-p256',
        validityDays: 365,
        caValidityDays: 3650,
        renewBeforeDays: 30,
        dryRun: false,
      },
    });
  });

  it('create sorts repeated --extra-san values into DNS names and IP addresses', () => {
    const parsed = parseCommandLine([
      ...create,
      '--extra-san',
      'a.example',
      '--extra-san',
      '10.0.0.1',
      '--extra-san',
      'fd00::1',
      '--extra-san',
      '*.b.example',
    ]);
    assert.equal(parsed.command, 'create');
    assert.deepEqual(parsed.command === 'create' && parsed.options.extraSubjectAltNames, {
      dnsNames: ['a.example', '*.b.example'],
      ipAddresses: ['10.0.0.1', 'fd00::1'],
    });
  });

  it('create accepts every optional flag', () => {
    const parsed = parseCommandLine([
      ...create,
      '--key-algorithm',
      'rsa-2048',
      '--validity-days',
      '90',
      '--ca-validity-days',
      '730',
      '--renew-before-days',
      '10',
      '--dry-run',
      '--kubeconfig',
      '/k',
    ]);
    assert.ok(parsed.command === 'create');
    assert.equal(parsed.kubeconfig, '/k');
    assert.deepEqual(
      [
        parsed.options.keyAlgorithm,
        parsed.options.validityDays,
        parsed.options.caValidityDays,
        parsed.options.renewBeforeDays,
        parsed.options.dryRun,
      ],
      ['rsa-2048', 90, 730, 10, true],
    );
  });

  it('patch sets a failurePolicy only when given one', () => {
    const plain = parseCommandLine(patch);
    assert.ok(plain.command === 'patch');
    assert.equal('failurePolicy' in plain.options, false);
    const withPolicy = parseCommandLine([...patch, '--failure-policy', 'Ignore', '--dry-run']);
    assert.ok(withPolicy.command === 'patch');
    assert.equal(withPolicy.options.failurePolicy, 'Ignore');
    assert.equal(withPolicy.options.dryRun, true);
  });

  it('local defaults to localhost and 127.0.0.1', () => {
    const parsed = parseCommandLine(['local', '--out-dir', 'certs']);
    assert.ok(parsed.command === 'local');
    assert.deepEqual(
      [parsed.options.outDir, parsed.options.dnsNames, parsed.options.ipAddresses],
      ['certs', ['localhost'], ['127.0.0.1']],
    );
  });

  it('local takes repeated --dns and --ip', () => {
    const parsed = parseCommandLine([
      'local',
      '--out-dir',
      'c',
      '--dns',
      'a.test',
      '--dns',
      'b.test',
      '--ip',
      '::1',
    ]);
    assert.ok(parsed.command === 'local');
    assert.deepEqual(
      [parsed.options.dnsNames, parsed.options.ipAddresses],
      [['a.test', 'b.test'], ['::1']],
    );
  });

  for (const argv of [['--help'], ['help']]) {
    it(`${argv.join(' ')} asks for help`, () =>
      assert.deepEqual(parseCommandLine(argv), { command: 'help' }));
  }

  for (const argv of [
    ['create', '--help'],
    ['local', '-h'],
  ]) {
    it(`${argv.join(' ')} asks for that command's help`, () =>
      assert.deepEqual(parseCommandLine(argv), { command: 'help', topic: argv[0] }));
  }

  const mistakes: { name: string; argv: string[]; message: RegExp }[] = [
    { name: 'no command', argv: [], message: /missing command/ },
    { name: 'an unknown command', argv: ['delete'], message: /unknown command "delete"/ },
    {
      name: 'a missing required flag',
      argv: ['create', '--namespace', 'ns', '--service', 'svc'],
      message: /--secret-name is required/,
    },
    {
      name: 'an unknown flag',
      argv: [...create, '--colour'],
      message: /unknown flag --colour/,
    },
    {
      name: 'a stray positional argument',
      argv: [...create, 'extra'],
      message: /unexpected argument "extra"/,
    },
    {
      name: 'a mistyped flag, with the flag it probably meant',
      argv: ['local', '--outdir', 'x'],
      message: /unknown flag --outdir; did you mean --out-dir\?/,
    },
    {
      name: 'a mistyped command, with the command it probably meant',
      argv: ['lcoal'],
      message: /unknown command "lcoal"; did you mean "local"\?/,
    },
    {
      name: 'an unknown key algorithm',
      argv: [...create, '--key-algorithm', 'dsa'],
      message: /--key-algorithm must be one of ecdsa-p256, rsa-2048/,
    },
    {
      name: 'a validity that is not a whole number',
      argv: [...create, '--validity-days', '1.5'],
      message: /--validity-days must be a positive whole number/,
    },
    {
      name: 'a validity of zero',
      argv: [...create, '--validity-days', '0'],
      message: /positive whole number/,
    },
    {
      name: 'a renewal window as long as the validity',
      argv: [...create, '--validity-days', '30'],
      message: /--renew-before-days must be less than/,
    },
    {
      name: 'an extra SAN that is neither name nor address',
      argv: [...create, '--extra-san', 'not a name'],
      message: /--extra-san: "not a name" is neither/,
    },
    {
      name: 'an unknown failure policy',
      argv: [...patch, '--failure-policy', 'Maybe'],
      message: /--failure-policy must be one of Fail, Ignore/,
    },
    {
      name: 'an address given to --dns',
      argv: ['local', '--out-dir', 'c', '--dns', '10.0.0.1'],
      message: /--dns takes DNS names/,
    },
    {
      name: 'a flag without its value',
      argv: ['local', '--out-dir'],
      message: /argument missing|requires|expected/i,
    },
  ];
  for (const { name, argv, message } of mistakes) {
    it(`${name} is a usage error`, () => {
      assert.throws(
        () => parseCommandLine(argv),
        (error: Error) => error instanceof UsageError && message.test(error.message),
      );
    });
  }
});

describe('describing errors on one line', () => {
  it('an apiserver Status becomes "HTTP code: message"', () => {
    const error = Object.assign(new Error('HTTP-Code: 403\nMessage: …\nHeaders: {…}'), {
      code: 403,
      body: JSON.stringify({ kind: 'Status', message: 'secrets "tls" is forbidden' }),
    });
    assert.equal(describeError(error), 'HTTP 403: secrets "tls" is forbidden');
  });

  it('a system error keeps its own message', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
    });
    assert.equal(describeError(error), 'connect ECONNREFUSED 127.0.0.1:6443');
  });
});
