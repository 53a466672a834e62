/**
 * The live page's static files (plain HTML/CSS/JS in `src/observability/page/`, no build step),
 * read once into memory. The folder is found next to this module (running from source) or in
 * `src/observability/page/` beside the compiled `dist/` (running the build), so both work offline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** URL path → file name; only these are served. */
export const PAGE_FILES: Readonly<Record<string, [string, string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/assets/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/assets/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/assets/statechart.js': ['statechart.js', 'text/javascript; charset=utf-8'],
  '/assets/favicon.svg': ['favicon.svg', 'image/svg+xml'],
};

/** The page folder. @throws Error when neither location exists. */
export function pageDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'page'), join(here, '..', '..', 'src', 'observability', 'page')];
  const found = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error(`live page assets not found in ${candidates.join(' or ')}`);
  return found;
}

/** Loads every page file. @throws Error when a file is missing. */
export function loadPageAssets(dir: string = pageDir()): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [path, [file, contentType]] of Object.entries(PAGE_FILES)) {
    out.set(path, { body: readFileSync(join(dir, file)), contentType });
  }
  return out;
}
