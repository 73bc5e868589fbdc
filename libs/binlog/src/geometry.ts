/**
 * The binlog reader hands spatial values over already parsed into coordinates
 * ({x, y} / arrays of them), dropping the SRID. To keep the wire form equal to SELECT's
 * (4-byte SRID + little-endian WKB) they are encoded back: POINT, LINESTRING and POLYGON
 * exactly for SRID 0; a shape that is ambiguous from coordinates alone (MULTI*, collections)
 * is written as a GEOMETRYCOLLECTION-free best effort: its JSON text. docs/type-mapping.md
 * states this limit of incremental capture; the full copy is always byte-exact.
 */
interface Pt {
  x: number;
  y: number;
}

function isPoint(v: unknown): v is Pt {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'x' in v && 'y' in v;
}

function writer(): { buf: number[]; u32(n: number): void; f64(n: number): void; u8(n: number): void } {
  const buf: number[] = [];
  const tmp = Buffer.alloc(8);
  return {
    buf,
    u8: (n) => void buf.push(n),
    u32: (n) => {
      tmp.writeUInt32LE(n, 0);
      buf.push(...tmp.subarray(0, 4));
    },
    f64: (n) => {
      tmp.writeDoubleLE(n, 0);
      buf.push(...tmp);
    },
  };
}

export function geometryToBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const w = writer();
  w.u32(0); // SRID
  const points = (pts: Pt[]) => {
    w.u32(pts.length);
    for (const p of pts) {
      w.f64(p.x);
      w.f64(p.y);
    }
  };
  if (isPoint(v)) {
    w.u8(1);
    w.u32(1);
    w.f64(v.x);
    w.f64(v.y);
  } else if (Array.isArray(v) && v.every(isPoint)) {
    w.u8(1);
    w.u32(2);
    points(v);
  } else if (Array.isArray(v) && v.every((r) => Array.isArray(r) && r.every(isPoint))) {
    w.u8(1);
    w.u32(3);
    w.u32(v.length);
    for (const ring of v as Pt[][]) points(ring);
  } else {
    return Buffer.from(JSON.stringify(v), 'utf8');
  }
  return Uint8Array.from(w.buf);
}
