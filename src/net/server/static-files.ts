// The web client's files, served by the HTTP front (./http.ts). The list is fixed here and
// read once from dist/web/ (what `npm run build` bundles from src/web/): a request path is
// only ever a key into this Map, never part of a filesystem path, so no request can reach
// any other file.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface StaticFile {
  type: string;
  body: Buffer;
  /** The body gzipped, when that is smaller. */
  gzip: Buffer | null;
}

/** URL path -> file name under dist/web/, and its content type. */
export const WEB_FILES: ReadonlyArray<{ path: string; file: string; type: string }> = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/index.html', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { path: '/icon.svg', file: 'icon.svg', type: 'image/svg+xml' },
  { path: '/manifest.webmanifest', file: 'manifest.webmanifest', type: 'application/manifest+json' },
];

/** dist/web/ of this package, from this module's place in src/ (sources) or dist/src/ (built). */
export function webDir(fromUrl = import.meta.url): string {
  const here = fileURLToPath(fromUrl);
  const at = here.lastIndexOf('/src/');
  const root = here.slice(0, at);
  return here.endsWith('.ts') ? `${root}/dist/web` : `${root}/web`;
}

/** The files of WEB_FILES that exist in `dir` (a build without the web client serves none). */
export function loadStaticFiles(dir = webDir()): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  for (const f of WEB_FILES) {
    let body: Buffer;
    try {
      body = readFileSync(`${dir}/${f.file}`);
    } catch {
      continue;
    }
    const gz = gzipSync(body, { level: 9 });
    out.set(f.path, { type: f.type, body, gzip: gz.length < body.length ? gz : null });
  }
  return out;
}
