#!/usr/bin/env node
// Native-solc-compatible front end for the npm `solc` (soljson wasm) package.
// Supports the subset foundry-compilers / forge use: `--version` and
// `--standard-json` (JSON on stdin) with --base-path / --include-path / --allow-paths.
// Invoked through tools/bin/solc. See tools/install.sh.
'use strict';
const fs = require('fs'), path = require('path');
let solc;
try {
  solc = require(path.join(__dirname, 'node_modules', 'solc'));
} catch (e) {
  process.stderr.write(`solc-shim: npm package 'solc' not found under ${__dirname}/node_modules; run tools/install.sh\n`);
  process.exit(1);
}
const argv = process.argv.slice(2);
let basePath = null; const includePaths = []; let standardJson = false, version = false;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--version' || a === '-v') version = true;
  else if (a === '--standard-json') standardJson = true;
  else if (a === '--base-path') basePath = argv[++i];
  else if (a === '--include-path') includePaths.push(argv[++i]);
  else if (a === '--allow-paths') i++;
  else if (a.startsWith('--base-path=')) basePath = a.slice(12);
  else if (a.startsWith('--include-path=')) includePaths.push(a.slice(15));
  else if (a.startsWith('--allow-paths=')) {}
  else { process.stderr.write(`solc-shim: unsupported argument ${a}\n`); process.exit(1); }
}
if (version) { process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`); process.exit(0); }
if (!standardJson) { process.stderr.write('solc-shim: only --version and --standard-json\n'); process.exit(1); }
const roots = [basePath || process.cwd(), ...includePaths];
function findImports(p) {
  const cands = path.isAbsolute(p) ? [p] : roots.map(r => path.resolve(r, p));
  for (const c of cands) { try { return { contents: fs.readFileSync(c, 'utf8') }; } catch (_) {} }
  return { error: `File not found: ${p}` };
}
const parsed = JSON.parse(fs.readFileSync(0, 'utf8'));
for (const [name, src] of Object.entries(parsed.sources || {})) {   // solcjs ignores `urls`
  if (src.content === undefined) { const r = findImports((src.urls && src.urls[0]) || name);
    if (r.contents !== undefined) { src.content = r.contents; delete src.urls; } }
}
process.stdout.write(solc.compile(JSON.stringify(parsed), { import: findImports }));
