// The lab's TLS policy, shared by every server that speaks TLS: versions and cipher suites.

/** Oldest TLS version any endpoint accepts; 1.0 and 1.1 are refused. */
export const TLS_MIN_VERSION = "TLSv1.2";

/**
 * TLS 1.2 suites: forward secrecy (ECDHE) and authenticated encryption (GCM, ChaCha20) only, as in
 * Mozilla's "intermediate" profile minus DHE; no CBC, no SHA-1 MACs, no static RSA key exchange.
 */
export const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** TLS 1.3 suites (all of them are modern; listed so the choice is explicit). */
export const TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"].join(":");

/** The policy as Node's TLS server options: every Node TLS server of the lab (app, database agents, controllers) takes these. */
export const LAB_TLS_POLICY = { minVersion: TLS_MIN_VERSION, ciphers: `${TLS13_SUITES}:${TLS12_CIPHERS}`, honorCipherOrder: true } as const;
