// The lab CA can sign only the lab: X.509 name constraints read from the CA, and a foreign name it must fail to sign.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { run } from "../runtime/exec.js";
import { labDir } from "../runtime/paths.js";
import { caPermittedNames, DAYS } from "../runtime/tls.js";
import type { CheckResult } from "./context.js";

/** A name and an address outside any lab: a certificate for them, signed by the lab CA, must not verify. */
export const FOREIGN = { dns: "www.stacklab-audit.example", ip: "192.0.2.1" } as const;

/** What `openssl x509 -text` says about the CA's name constraints and lifetime. */
export interface CaFacts {
  critical: boolean;
  permitted: string[];
  excluded: string[];
  days: number;
}

/** Reads the name constraints and lifetime out of `openssl x509 -noout -text` of the CA. */
export function parseCaText(text: string): CaFacts {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /X509v3 Name Constraints/.test(l));
  const permitted: string[] = [];
  const excluded: string[] = [];
  if (start >= 0) {
    let into: string[] | undefined;
    for (const line of lines.slice(start + 1)) {
      const t = line.trim();
      if (/^Permitted:/.test(t)) into = permitted;
      else if (/^Excluded:/.test(t)) into = excluded;
      else if (/^(DNS|IP|email|URI|DirName|othername):/i.test(t) && into) into.push(t.replace(/^IP:(\S+)\/(\S+)$/, "IP:$1/$2"));
      else break;
    }
  }
  const date = (label: string) => new Date(/Not (?:Before|After)\s*:\s*(.+)$/m.exec(lines.find((l) => l.includes(label)) ?? "")?.[1] ?? NaN);
  const days = Math.round((date("Not After").getTime() - date("Not Before").getTime()) / 86_400_000);
  return { critical: start >= 0 && /critical/.test(lines[start] ?? ""), permitted, excluded, days };
}

/** Judges the CA: constraints present and critical, no name outside the lab permitted, the foreign certificate refused. */
export function judgeCa(model: Model, facts: CaFacts, foreignVerify: string): CheckResult {
  const allowed = new Set(caPermittedNames(model));
  const problems: string[] = [];
  if (!facts.permitted.length) problems.push("the CA carries no name constraints: a browser that trusts it trusts it for every site");
  else {
    if (!facts.critical) problems.push("its name constraints are not marked critical");
    const extra = facts.permitted.filter((n) => !allowed.has(n));
    if (extra.length) problems.push(`it may sign names outside the lab: ${extra.slice(0, 5).join(", ")}`);
    if (!facts.permitted.some((n) => n.startsWith("IP:"))) problems.push("no IP constraint: it may sign any address");
    if (!facts.permitted.some((n) => n.startsWith("DNS:"))) problems.push("no DNS constraint: it may sign any name");
  }
  if (facts.days > DAYS) problems.push(`it is valid for ${facts.days} days (more than ${DAYS})`);
  const refused = /permitted subtree violation|name constraints/i.test(foreignVerify) && !/: OK\s*$/m.test(foreignVerify);
  if (!refused) problems.push(`a certificate it signed for ${FOREIGN.dns} and ${FOREIGN.ip} verified: ${foreignVerify.trim().split("\n").pop() ?? ""}`);
  const dns = facts.permitted.filter((n) => n.startsWith("DNS:")).length;
  return {
    id: "ca-constraints",
    title: "lab CA signs only the lab",
    status: problems.length ? "fail" : "pass",
    summary: problems.length
      ? problems[0]!
      : `the lab CA may sign only ${model.domain} and its subdomains, the lab's own names and 198.18.0.0/15 (critical name constraints, ${facts.days} days); a certificate for ${FOREIGN.dns} it signed was refused`,
    details: [
      ...problems.map((p) => `FAIL ${p}`),
      `permitted: ${facts.permitted.slice(0, 3).join(", ")}${dns > 2 ? `, ... (${facts.permitted.length} in all)` : ""}`,
      `foreign certificate: ${foreignVerify.trim().split("\n").pop() ?? ""}`,
    ],
  };
}

/** Reads the lab's CA and tries to make it vouch for a foreign name (with its own key, in a private scratch folder). */
export async function checkCaConstraints(lab: string, model: Model): Promise<CheckResult> {
  const dir = join(labDir(lab), "tls");
  if (model.tls.mode === "none" || !existsSync(join(dir, "ca.crt")))
    return { id: "ca-constraints", title: "lab CA signs only the lab", status: "skip", summary: "the lab has no CA (tls.mode: none)", details: [] };
  const text = (await run(["openssl", "x509", "-in", join(dir, "ca.crt"), "-noout", "-text"])).stdout;
  return judgeCa(model, parseCaText(text), await foreignVerify(dir));
}

/** `openssl verify` of a certificate for a foreign name and address signed by the lab CA: what it says. */
export async function foreignVerify(caDir: string): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), "stacklab-ca-audit-"));
  try {
    const [key, csr, crt, ext] = ["f.key", "f.csr", "f.crt", "f.ext"].map((f) => join(scratch, f)) as [string, string, string, string];
    writeFileSync(ext, `subjectAltName=DNS:${FOREIGN.dns},IP:${FOREIGN.ip}\nbasicConstraints=critical,CA:FALSE\n`);
    await run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${FOREIGN.dns}`]);
    await run(["openssl", "x509", "-req", "-in", csr, "-CA", join(caDir, "ca.crt"), "-CAkey", join(caDir, "ca.key"), "-set_serial", "1", "-out", crt, "-days", "1", "-extfile", ext]);
    const r = await run(["openssl", "verify", "-CAfile", join(caDir, "ca.crt"), crt], { check: false });
    return `${r.stdout}${r.stderr}`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
