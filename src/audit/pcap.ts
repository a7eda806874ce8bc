// Reads a classic pcap capture (Ethernet, IPv4, TCP) and finds plaintext in the payloads.

export interface TcpSegment {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Buffer;
}

const ip = (b: Buffer, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

/** The TCP segments of a pcap file (other packets are skipped); throws on a file that is not pcap. */
export function tcpSegments(file: Buffer): TcpSegment[] {
  if (file.length < 24) return [];
  const magic = file.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) throw new Error("not a pcap file");
  const u32 = (at: number) => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linkType = u32(20);
  if (linkType !== 1) throw new Error(`pcap link type ${linkType} is not Ethernet`);
  const out: TcpSegment[] = [];
  let at = 24;
  while (at + 16 <= file.length) {
    const caplen = u32(at + 8);
    const frame = file.subarray(at + 16, at + 16 + caplen);
    at += 16 + caplen;
    let l3 = 14;
    let type = frame.length >= 14 ? frame.readUInt16BE(12) : 0;
    if (type === 0x8100 && frame.length >= 18) {
      type = frame.readUInt16BE(16);
      l3 = 18;
    }
    if (type !== 0x0800 || frame.length < l3 + 20) continue;
    const ihl = (frame[l3]! & 0x0f) * 4;
    if (frame[l3 + 9] !== 6) continue;
    const total = frame.readUInt16BE(l3 + 2);
    const l4 = l3 + ihl;
    if (frame.length < l4 + 20) continue;
    const dataOffset = (frame[l4 + 12]! >> 4) * 4;
    const end = Math.min(frame.length, l3 + total);
    out.push({ src: ip(frame, l3 + 12), dst: ip(frame, l3 + 16), sport: frame.readUInt16BE(l4), dport: frame.readUInt16BE(l4 + 2), payload: frame.subarray(l4 + dataOffset, end) });
  }
  return out;
}

/** What readable content a payload carries: an HTTP message, SQL text, or a given marker; empty for none (TLS, binary). */
export function plaintextIn(payload: Buffer, marker?: string): ("http" | "sql" | "marker")[] {
  if (!payload.length) return [];
  const text = payload.toString("latin1");
  const found: ("http" | "sql" | "marker")[] = [];
  if (/(^|\r\n)(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) \S+ HTTP\/1\.[01]\r\n/.test(text) || /^HTTP\/1\.[01] \d{3} /.test(text)) found.push("http");
  if (/\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|SET NAMES|SHOW (SLAVE|MASTER|GLOBAL|VARIABLES|STATUS))\b/.test(text)) found.push("sql");
  if (marker && text.includes(marker)) found.push("marker");
  return found;
}
