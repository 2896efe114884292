// Generates static protobuf code (ES module + type declarations) from proto/
// into src/generated/, and copies it to dist/generated/ for the built package.
// Run by `npm run build`; the output is not committed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = path.join(root, 'proto');
const outDir = path.join(root, 'src', 'generated');
const distDir = path.join(root, 'dist', 'generated');
const outJs = path.join(outDir, 'messages.js');

function protoFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return protoFiles(full);
    return name.endsWith('.proto') ? [path.relative(protoDir, full)] : [];
  }).sort();
}

const files = protoFiles(protoDir);
mkdirSync(outDir, { recursive: true });
const bin = (name) => path.join(path.dirname(fileURLToPath(import.meta.resolve('protobufjs-cli/package.json'))), 'bin', name);
execFileSync(process.execPath, [
  bin('pbjs'), '-t', 'static-module', '-w', 'esm', '--es6',
  '--dependency', 'protobufjs/minimal.js',
  '--no-delimited', '--no-typeurl', '--no-beautify',
  '-p', protoDir, '-o', outJs, ...files.map((f) => path.join(protoDir, f)),
], { cwd: protoDir, stdio: 'inherit' });
execFileSync(process.execPath, [bin('pbts'), '--no-comments', '-o', path.join(outDir, 'messages.d.ts'), outJs], { stdio: 'inherit' });

// protobufjs/minimal is CommonJS: import its default export rather than a
// namespace, which Node's ESM loader cannot populate from CommonJS.
const js = readFileSync(outJs, 'utf8').replace(
  /import \* as \$protobuf from "protobufjs\/minimal\.js";/,
  'import $protobuf from "protobufjs/minimal.js";',
);
writeFileSync(outJs, '// @ts-nocheck\n/* eslint-disable */\n' + js);
const dts = readFileSync(path.join(outDir, 'messages.d.ts'), 'utf8')
  .replace(/from "protobufjs\/minimal"/g, 'from "protobufjs/minimal.js"')
  .replace(/import \* as \$protobuf from/, 'import $protobuf from')
  .replace(/^import Long = require\("long"\);/m, "import Long from \"long\";");
writeFileSync(path.join(outDir, 'messages.d.ts'), dts);

mkdirSync(distDir, { recursive: true });
for (const f of ['messages.js', 'messages.d.ts']) copyFileSync(path.join(outDir, f), path.join(distDir, f));
console.log(`generated ${files.length} proto files -> src/generated/messages.{js,d.ts}`);
