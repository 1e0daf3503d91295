// Worker threads load compiled JavaScript. From dist/ a worker file sits next to the module
// that starts it; when that module runs from TypeScript sources (vitest), the compiled twin
// under dist/ is used instead (`npm test` builds first).

import { fileURLToPath } from 'node:url';

export function workerFile(fromUrl: string, name: string): string {
  const here = fileURLToPath(fromUrl);
  const dir = here.slice(0, here.lastIndexOf('/'));
  if (!here.endsWith('.ts')) return `${dir}/${name}.js`;
  const at = dir.lastIndexOf('/src/');
  return `${dir.slice(0, at)}/dist${dir.slice(at)}/${name}.js`;
}
