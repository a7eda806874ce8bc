import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { makeCertificate, newEcKey } from "../../src/util/x509.js";

describe("certificates made in process (src/util/x509.ts)", () => {
  const ca = newEcKey();
  const caPem = makeCertificate({
    subject: [["CN", "test CA"]],
    publicKey: ca.key,
    issuer: [["CN", "test CA"]],
    issuerKey: ca.key,
    days: 90,
    caPathLen: 0,
    keyUsage: ["keyCertSign", "cRLSign"],
    permitted: ["DNS:example.test", "IP:198.18.0.0/255.254.0.0"],
  });
  const leaf = newEcKey();
  const leafPem = makeCertificate({
    subject: [["CN", "www.example.test"]],
    publicKey: leaf.key,
    issuer: [["CN", "test CA"]],
    issuerKey: ca.key,
    days: 90,
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    altNames: ["DNS:www.example.test", "IP:198.18.1.2"],
  });
  it("are read back by node:crypto: a CA that issued and signed the leaf, names and lifetime as asked", () => {
    const c = new X509Certificate(caPem);
    const l = new X509Certificate(leafPem);
    expect(c.ca).toBe(true);
    expect(l.ca).toBe(false);
    expect(l.checkIssued(c)).toBe(true);
    expect(l.verify(c.publicKey)).toBe(true);
    expect(c.verify(c.publicKey)).toBe(true);
    expect(l.subjectAltName).toBe("DNS:www.example.test, IP Address:198.18.1.2");
    expect(l.checkHost("www.example.test")).toBe("www.example.test");
    expect(l.checkIP("198.18.1.2")).toBe("198.18.1.2");
    const days = (Date.parse(l.validTo) - Date.parse(l.validFrom)) / 86_400_000;
    expect(days).toBe(90);
  });
  it("refuse a name they cannot encode rather than writing a wrong one", () => {
    expect(() =>
      makeCertificate({ subject: [["CN", "x"]], publicKey: leaf.key, issuer: [["CN", "x"]], issuerKey: leaf.key, days: 1, keyUsage: ["digitalSignature"], altNames: ["email:a@b"] }),
    ).toThrow(/unsupported/);
  });
});
