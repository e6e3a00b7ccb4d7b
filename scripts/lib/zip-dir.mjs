// Zips a directory with each file's Unix mode kept (an apphost or script in a package keeps its executable bit:
// a Functions host may run such a file directly). Node ships no zip writer, and `zip` is not on every fresh Debian
// machine, so this writes the format itself: deflate from node's zlib, "made by Unix" central directory
// entries carrying st_mode in the high 16 bits of the external attributes. Entries are sorted and timestamps
// fixed so the same input gives the same bytes.
// Usage: node scripts/lib/zip-dir.mjs <directory> <output.zip>
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [source, output] = process.argv.slice(2);
if (!source || !output) {
  console.error('usage: zip-dir.mjs <directory> <output.zip>');
  process.exit(2);
}

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function walk(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const rel = prefix + e.name;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return walk(full, rel + '/');
      if (e.isFile()) return [{ rel, full }];
      throw new Error(`not a regular file: ${full}`);
    });
}

// 1980-01-01 00:00, the DOS epoch.
const dosTime = 0;
const dosDate = (0 << 9) | (1 << 5) | 1;
const utf8Flag = 0x0800;

const out = fs.openSync(output, 'w');
let offset = 0;
const write = (buf) => {
  fs.writeSync(out, buf);
  offset += buf.length;
};
const central = [];

for (const { rel, full } of walk(source)) {
  const data = fs.readFileSync(full);
  const mode = fs.statSync(full).mode & 0o777;
  const deflated = zlib.deflateRawSync(data, { level: 6 });
  const stored = deflated.length >= data.length;
  const body = stored ? data : deflated;
  const name = Buffer.from(rel, 'utf8');
  const crc = crc32(data);
  if (data.length > 0xfffffffe || offset > 0xfffffffe) throw new Error('package too large for a zip without zip64');

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(utf8Flag, 6);
  local.writeUInt16LE(stored ? 0 : 8, 8);
  local.writeUInt16LE(dosTime, 10);
  local.writeUInt16LE(dosDate, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);
  const headerOffset = offset;
  write(local);
  write(name);
  write(body);

  const entry = Buffer.alloc(46);
  entry.writeUInt32LE(0x02014b50, 0);
  entry.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
  entry.writeUInt16LE(20, 6);
  entry.writeUInt16LE(utf8Flag, 8);
  entry.writeUInt16LE(stored ? 0 : 8, 10);
  entry.writeUInt16LE(dosTime, 12);
  entry.writeUInt16LE(dosDate, 14);
  entry.writeUInt32LE(crc, 16);
  entry.writeUInt32LE(body.length, 20);
  entry.writeUInt32LE(data.length, 24);
  entry.writeUInt16LE(name.length, 28);
  entry.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38); // S_IFREG | permissions
  entry.writeUInt32LE(headerOffset, 42);
  central.push(Buffer.concat([entry, name]));
}

if (central.length > 0xffff) throw new Error('too many entries for a zip without zip64');
const centralStart = offset;
for (const c of central) write(c);
const end = Buffer.alloc(22);
end.writeUInt32LE(0x06054b50, 0);
end.writeUInt16LE(central.length, 8);
end.writeUInt16LE(central.length, 10);
end.writeUInt32LE(offset - centralStart, 12);
end.writeUInt32LE(centralStart, 16);
write(end);
fs.closeSync(out);
console.log(`${output}: ${central.length} files, ${(offset / 1048576).toFixed(1)} MiB`);
