import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bytes per pixel of the 8-bit colour types handled: RGB (2) and RGBA (6). */
const BYTES_PER_PIXEL: Readonly<Record<number, number>> = { 2: 3, 6: 4 };
const PALETTE_SIZE = 256;

/**
 * Shrinks an opaque 8-bit RGB/RGBA screenshot PNG (what Chromium writes) to an 8-bit palette PNG:
 * the 256 most frequent colours form the palette and any other colour (a few anti-aliased text
 * edges in a UI screenshot) takes the nearest one, which is invisible at 1:1 and typically takes a
 * third of the size. Deflated at level 9; only IHDR, PLTE, IDAT and IEND are written. A PNG it
 * does not handle (interlaced, translucent, other depths), or one it cannot make smaller, comes
 * back unchanged.
 */
export function optimizePng(png: Buffer): Buffer {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  const { header, data } = readChunks(png);
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bpp = BYTES_PER_PIXEL[header[9]!];
  if (header[8] !== 8 || bpp === undefined || header[12] !== 0) return png;

  const pixels = unfilter(inflateSync(data), width, height, bpp);
  const colors = new Uint32Array(width * height);
  for (let i = 0, p = 0; p < colors.length; i += bpp, p++) {
    if (bpp === 4 && pixels[i + 3] !== 0xff) return png;
    colors[p] = (pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!;
  }
  const { palette, indexOf } = buildPalette(colors);
  // Filter type 0 (none) on every row: the usual best choice for palette images.
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows[y * (width + 1) + 1 + x] = indexOf(colors[y * width + x]!);
  }
  const ihdr = Buffer.from(header);
  ihdr[9] = 3;
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((color, i) => plte.writeUIntBE(color, i * 3, 3));
  const optimized = Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('IDAT', deflateSync(rows, { level: 9, memLevel: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return optimized.length < png.length ? optimized : png;
}

/** The most frequent colours, and a lookup of each colour's (nearest) palette index. */
function buildPalette(colors: Uint32Array): { palette: number[]; indexOf: (color: number) => number } {
  const counts = new Map<number, number>();
  for (const color of colors) counts.set(color, (counts.get(color) ?? 0) + 1);
  const palette = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, PALETTE_SIZE)
    .map(([color]) => color);
  const index = new Map(palette.map((color, i) => [color, i]));
  const indexOf = (color: number): number => {
    let found = index.get(color);
    if (found === undefined) {
      found = nearest(palette, color);
      index.set(color, found);
    }
    return found;
  };
  return { palette, indexOf };
}

function nearest(palette: readonly number[], color: number): number {
  let best = 0;
  let bestDistance = Infinity;
  palette.forEach((candidate, i) => {
    const dr = ((candidate >> 16) & 0xff) - ((color >> 16) & 0xff);
    const dg = ((candidate >> 8) & 0xff) - ((color >> 8) & 0xff);
    const db = (candidate & 0xff) - (color & 0xff);
    const distance = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  });
  return best;
}

function readChunks(png: Buffer): { header: Buffer; data: Buffer } {
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  if (!header) throw new Error('PNG without IHDR');
  return { header, data: Buffer.concat(data) };
}

/** The raw pixel rows (no filter bytes) of inflated, filtered PNG data. */
function unfilter(filtered: Buffer, width: number, height: number, bpp: number): Buffer {
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)]!;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[row - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp]! : 0;
      out[row + x] = (filtered[y * (stride + 1) + 1 + x]! + predict(filter, a, b, c)) & 0xff;
    }
  }
  return out;
}

function predict(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4: {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      return 0;
  }
}

/** One PNG chunk: length, type, body, CRC-32 of type and body. */
function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}
