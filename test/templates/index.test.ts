// The static templates: pinned by sha256, the flannel manifest usable by the agent, the
// systemd unit accepted by systemd itself.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { indexedTemplates, podNetworks, systemdUnits } from '../../templates/index.ts';
import { sha256Hex, templateSha256Ok } from '../../templates/integrity.ts';
import { needing } from '../helpers/tools.ts';

const templatesDir = resolve(import.meta.dirname, '../../templates');
const CATALOGUE_FILES = new Set(['index.json', 'index.ts', 'integrity.ts']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(templatesDir, path)];
  });
}

function flannel() {
  const entry = podNetworks.flannel;
  assert.ok(entry, 'templates/index.json has podNetworks.flannel');
  return { entry, text: readFileSync(join(templatesDir, entry.file), 'utf8') };
}

interface Resource {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, string>;
}

function manifestResources(text: string): Resource[] {
  const documents = parseAllDocuments(text);
  assert.ok(Array.isArray(documents), 'the manifest is a stream of YAML documents');
  return documents.map((document) => {
    assert.equal(
      document.errors.map((error) => error.message),
      [],
      'every document parses',
    );
    return document.toJS() as Resource;
  });
}

const Index = suite('templates index');

Index('every indexed template has the sha256 recorded in index.json', () => {
  const { ok, mismatches } = templateSha256Ok(templatesDir);
  assert.equal(mismatches, []);
  assert.ok(ok);
});

Index('a changed template is caught', () => {
  const copy = mkdtempSync(join(tmpdir(), 'kubeseed-templates-'));
  try {
    for (const { file } of indexedTemplates()) {
      const target = join(copy, file);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, readFileSync(join(templatesDir, file)));
    }
    const unit = systemdUnits['kubeseed-boot'];
    assert.ok(unit);
    writeFileSync(join(copy, unit.file), `${readFileSync(join(copy, unit.file), 'utf8')}\n`);
    const { ok, mismatches } = templateSha256Ok(copy);
    assert.not.ok(ok);
    assert.equal(
      mismatches.map((m) => m.key),
      ['systemdUnits.kubeseed-boot'],
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

Index('every file under templates/ is in the index', () => {
  const indexed = new Set(indexedTemplates().map(({ file }) => file));
  const unlisted = filesUnder(templatesDir).filter((file) => !CATALOGUE_FILES.has(file) && !indexed.has(file));
  assert.equal(unlisted, []);
});

Index.run();

const Flannel = suite('flannel template');

Flannel('parses as YAML documents with the objects flannel needs', () => {
  const kinds = manifestResources(flannel().text).map((resource) => resource.kind);
  assert.equal(kinds, ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount', 'ConfigMap', 'DaemonSet']);
});

Flannel('net-conf.json takes the pod subnet from the POD_SUBNET placeholder', () => {
  const configMap = manifestResources(flannel().text).find((resource) => resource.kind === 'ConfigMap');
  const netConf = JSON.parse(configMap?.data?.['net-conf.json'] ?? '{}') as {
    Network?: string;
    Backend?: { Type?: string };
  };
  assert.is(netConf.Network, '${POD_SUBNET}');
  assert.is(netConf.Backend?.Type, 'vxlan');
});

Flannel('the placeholders are exactly the declared parameters', () => {
  const { entry, text } = flannel();
  const placeholders = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]))];
  assert.equal(placeholders, entry.parameters);
});

Flannel('the only change from upstream is the placeholder', () => {
  const { entry, text } = flannel();
  assert.is(sha256Hex(text.replaceAll('${POD_SUBNET}', '10.244.0.0/16')), entry.upstreamSha256);
});

Flannel('the listed images are the ones the manifest runs', () => {
  const { entry, text } = flannel();
  const images = [...new Set([...text.matchAll(/^\s*image:\s*(\S+)\s*$/gm)].map((match) => match[1]))].sort();
  assert.equal(images, [...entry.images].sort());
});

Flannel('carries the families it renders: IPv4 only', () => {
  assert.equal(flannel().entry.ipFamilies, ['IPv4']);
});

Flannel.run();

const Unit = suite('kubeseed-boot.service');

function unitText(): string {
  const unit = systemdUnits['kubeseed-boot'];
  assert.ok(unit);
  return readFileSync(join(templatesDir, unit.file), 'utf8');
}

Unit('runs the agent only when a bundle exists, with Node variables cleared', () => {
  const lines = unitText().split('\n');
  for (const expected of [
    'ConditionPathExists=/etc/kubeseed/node.yaml',
    'ExecStart=/usr/local/bin/kubeseed-boot run',
    'UnsetEnvironment=NODE_OPTIONS NODE_EXTRA_CA_CERTS',
    'Restart=on-failure',
    'WantedBy=multi-user.target',
  ]) {
    assert.ok(lines.includes(expected), expected);
  }
});

needing(Unit, { tools: ['systemd-analyze'] })('passes systemd-analyze verify', () => {
  // verify insists that ExecStart's program exists: point it at a stand-in.
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-unit-'));
  try {
    const program = join(dir, 'kubeseed-boot');
    writeFileSync(program, '#!/bin/sh\n');
    chmodSync(program, 0o755);
    const unit = join(dir, 'kubeseed-boot.service');
    writeFileSync(unit, unitText().replace('ExecStart=/usr/local/bin/kubeseed-boot ', `ExecStart=${program} `));
    const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    // verify exits 0 on unknown keys and bad values, which it reports as text.
    assert.is(`${result.stdout}${result.stderr}`, '');
    assert.is(result.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Unit.run();
