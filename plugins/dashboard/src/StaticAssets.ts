import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The files of `public/` the dashboard serves, by name. Only these names are ever read, so no
 * request path reaches the file system; a test checks this list against the folder.
 */
export const ASSET_NAMES = [
  'index.html',
  'style.css',
  'favicon.svg',
  'app.js',
  'api.js',
  'dom.js',
  'format.js',
  'socket.js',
  'servers.js',
  'schemaForm.js',
  'toolPicker.js',
  'operationModel.js',
  'operations.js',
  'events.js',
] as const;

/** One of the names in `ASSET_NAMES`. */
export type AssetName = (typeof ASSET_NAMES)[number];

/** A served file: its bytes, content type and strong ETag (a hash of the bytes). */
export interface Asset {
  readonly name: AssetName;
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** `public/` beside `src/` and `dist/`: found from this module's own location, so both layouts work. */
export const PUBLIC_DIR = path.resolve(import.meta.dirname, '..', 'public');

/**
 * The dashboard's static files, read once into memory (they are a few tens of KiB) when the
 * plugin initialises. `get` answers only for names of the fixed list.
 */
export class StaticAssets {
  private readonly byName = new Map<string, Asset>();

  private constructor(assets: readonly Asset[]) {
    for (const asset of assets) this.byName.set(asset.name, asset);
  }

  /** Reads every listed file of `dir`; a missing one fails (the plugin's init, hence the boot). */
  static async load(dir: string = PUBLIC_DIR): Promise<StaticAssets> {
    const assets = await Promise.all(
      ASSET_NAMES.map(async (name): Promise<Asset> => {
        const body = await readFile(path.join(dir, name));
        const contentType = CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
        return { name, body, contentType, etag };
      }),
    );
    return new StaticAssets(assets);
  }

  /** The asset called `name`, or undefined for any other string (no path is ever built from it). */
  get(name: string): Asset | undefined {
    return this.byName.get(name);
  }
}
