// Reads WARC files with warcio (webrecorder's reader, from npm) and prints one JSON line
// per record: where it lies, its fields, whether its digests hold (computed here with
// node's crypto), and the HTTP status. With --payloads DIR, each response's payload is
// written to DIR/<file index>-<offset>.payload for byte comparison.
// Usage: node check_warc.mjs [--payloads DIR] FILE...
import { WARCParser } from 'warcio';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function base32(bytes) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0, out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function digestHolds(label, bytes) {
  if (!label) return null;
  const [algo, value] = label.split(':');
  const name = algo.toLowerCase().replace('-', '');
  const digest = createHash(name).update(bytes).digest();
  const clean = value.replace(/=+$/, '');
  return clean.toUpperCase() === base32(digest) || clean.toLowerCase() === digest.toString('hex');
}

const args = process.argv.slice(2);
let payloadDir = null;
if (args[0] === '--payloads') {
  payloadDir = args[1];
  args.splice(0, 2);
}
for (const [index, file] of args.entries()) {
  const parser = new WARCParser(fs.createReadStream(file), { parseHttp: false });
  let previous = null;
  const flush = (length) => {
    if (previous) {
      previous.length = length;
      console.log(JSON.stringify(previous));
    }
  };
  for await (const record of parser) {
    const block = Buffer.from(await record.readFully(false));
    const offset = parser.offset;
    const headEnd = block.indexOf('\r\n\r\n');
    const payload = headEnd >= 0 ? block.subarray(headEnd + 4) : Buffer.alloc(0);
    const h = (name) => record.warcHeaders.headers.get(name);
    const line = {
      file: index, offset, type: record.warcType, target: h('WARC-Target-URI'), date: h('WARC-Date'),
      id: h('WARC-Record-ID'), concurrentTo: h('WARC-Concurrent-To'), ip: h('WARC-IP-Address'),
      contentType: h('Content-Type'), contentLength: Number(h('Content-Length')), blockSize: block.length,
      blockDigestHolds: digestHolds(h('WARC-Block-Digest'), block),
      payloadDigestHolds: record.warcType === 'response' ? digestHolds(h('WARC-Payload-Digest'), payload) : null,
      status: record.warcType === 'response' ? Number(block.subarray(0, 20).toString().split(' ')[1]) : null,
    };
    if (payloadDir && record.warcType === 'response') {
      fs.writeFileSync(path.join(payloadDir, `${index}-${offset}.payload`), payload);
    }
    flush(offset - (previous ? previous.offset : 0));
    previous = line;
  }
  flush(fs.statSync(file).size - (previous ? previous.offset : 0));
}
