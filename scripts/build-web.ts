// Bundles the web client (src/web/) into dist/web/, the files the host's HTTP front serves
// (src/net/server/static-files.ts): app.js (one minified ES module: the page, the shared
// client code, msgpackr), index.html, icon.svg, manifest.webmanifest. Run by `npm run build`
// after tsc; prints the bundle's size, gzipped (the target is 100 KB).

import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = `${root}/src/web`;
const out = `${root}/dist/web`;

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${src}/app.ts`],
  outfile: `${out}/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'icon.svg', 'manifest.webmanifest']) copyFileSync(`${src}/${f}`, `${out}/${f}`);
const js = readFileSync(`${out}/app.js`);
console.log(`web client: dist/web/app.js ${(js.length / 1024).toFixed(1)} KB, ${(gzipSync(js, { level: 9 }).length / 1024).toFixed(1)} KB gzipped`);
