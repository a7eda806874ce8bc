// X.509 v3 certificates made in process with node:crypto (ECDSA P-256, SHA-256): a small DER writer for the few
// structures a private CA needs (RFC 5280), instead of two openssl processes per certificate.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIPv4 } from "node:net";

// ---------------------------------------------------------------- DER

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const octets = (b: Buffer) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
/** A context-specific tag: [n] EXPLICIT (or IMPLICIT of a constructed type). */
const ctx = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);

/** A non-negative INTEGER from its big-endian bytes (a leading zero is added when the top bit is set, as DER wants). */
function uint(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
  return tlv(0x02, b[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const v of rest) {
    const groups = [v & 0x7f];
    for (let x = v >>> 7; x > 0; x >>>= 7) groups.unshift((x & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A BIT STRING of whole bytes, or of named bits (RFC 5280 bit 0 is the top bit of the first byte). */
function bitString(bytes: Buffer, unused = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

function namedBits(bits: number[]): Buffer {
  const last = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(last / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)]! |= 0x80 >> (b % 8);
  return bitString(bytes, 7 - (last % 8));
}

/** UTCTime (years 1950-2049) or GeneralizedTime, to the second, in UTC. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const year = d.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

// ---------------------------------------------------------------- X.509

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  subjectKeyId: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  authorityKeyId: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** The key usages a certificate may name (RFC 5280 4.2.1.3), by bit. */
export const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** A distinguished name, in order: [["O", "stacklab lab CA"], ["CN", "stacklab lab CA"]]. */
export type DistinguishedName = [attribute: "CN" | "O", value: string][];

function name(dn: DistinguishedName): Buffer {
  return seq(...dn.map(([a, v]) => tlv(0x31, seq(oid(a === "CN" ? OID.commonName : OID.organization), utf8(v)))));
}

/** A GeneralName as openssl writes it in a config: "DNS:name", "IP:1.2.3.4", or, in name constraints, "IP:addr/mask". */
function generalName(spec: string): Buffer {
  const [kind, value] = [spec.slice(0, spec.indexOf(":")), spec.slice(spec.indexOf(":") + 1)];
  if (kind === "DNS") return tlv(0x82, Buffer.from(value, "ascii"));
  if (kind === "IP") {
    const parts = value.split("/");
    if (!parts.every((p) => isIPv4(p))) throw new Error(`not an IPv4 address (or address/mask): ${value}`);
    return tlv(0x87, Buffer.from(parts.flatMap((p) => p.split(".").map(Number))));
  }
  throw new Error(`unsupported name "${spec}": DNS:... or IP:... only`);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** SHA-1 of the public key's bits (RFC 5280 4.2.1.2, method 1), as openssl computes subject and authority key ids. */
export function keyIdentifier(key: KeyObject): Buffer {
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  // The SubjectPublicKeyInfo ends with the key's BIT STRING; for P-256 that is the 65-byte uncompressed point.
  return createHash("sha1")
    .update(spki.subarray(spki.length - 65))
    .digest();
}

export interface CertificateRequest {
  subject: DistinguishedName;
  /** The subject's public key (or its private key, whose public half is used). */
  publicKey: KeyObject;
  issuer: DistinguishedName;
  issuerKey: KeyObject;
  days: number;
  /** Set for a CA: basicConstraints CA:TRUE with this path length. */
  caPathLen?: number;
  keyUsage: (keyof typeof KEY_USAGE)[];
  extKeyUsage?: ("serverAuth" | "clientAuth")[];
  /** subjectAltName entries: "DNS:name", "IP:address". */
  altNames?: string[];
  /** Critical name constraints, permitted subtrees only: "DNS:name", "IP:address/mask". */
  permitted?: string[];
  /** Defaults to now. */
  notBefore?: Date;
}

/** A certificate signed with ECDSA-SHA256 by `issuerKey`, as PEM. Every extension openssl would mark critical is critical here. */
export function makeCertificate(req: CertificateRequest): string {
  const notBefore = req.notBefore ?? new Date();
  const notAfter = new Date(notBefore.getTime() + req.days * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const sigAlg = seq(oid(OID.ecdsaWithSha256));
  const spki = createPublicKey(req.publicKey).export({ type: "spki", format: "der" });
  const extensions = [
    extension(OID.basicConstraints, true, req.caPathLen !== undefined ? seq(bool(true), uint(Buffer.from([req.caPathLen]))) : seq()),
    extension(OID.keyUsage, true, namedBits(req.keyUsage.map((k) => KEY_USAGE[k]))),
    ...(req.extKeyUsage?.length ? [extension(OID.extKeyUsage, false, seq(...req.extKeyUsage.map((k) => oid(OID[k]))))] : []),
    ...(req.altNames?.length ? [extension(OID.subjectAltName, false, seq(...req.altNames.map(generalName)))] : []),
    ...(req.permitted?.length ? [extension(OID.nameConstraints, true, seq(ctx(0, Buffer.concat(req.permitted.map((p) => seq(generalName(p)))))))] : []),
    extension(OID.subjectKeyId, false, octets(keyIdentifier(req.publicKey))),
    extension(OID.authorityKeyId, false, seq(tlv(0x80, keyIdentifier(req.issuerKey)))),
  ];
  const tbs = seq(ctx(0, uint(Buffer.from([2]))), uint(serial), sigAlg, name(req.issuer), seq(time(notBefore), time(notAfter)), name(req.subject), spki, ctx(3, seq(...extensions)));
  const signature = sign("sha256", tbs, req.issuerKey);
  const der = seq(tbs, sigAlg, bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** A new P-256 key pair; `pem` is the private key as PKCS#8 PEM (what `openssl req -newkey ec` writes). */
export function newEcKey(): { key: KeyObject; pem: string } {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { key: privateKey, pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}
