// GTID positions: parsing and comparing how far servers got, and spotting two histories.
import { describe, expect, it } from "vitest";
import { compareGtid, formatGtid, gtidCovers, gtidDistance, gtidMax, parseGtid } from "../../src/failover/gtid.js";
import { aheadOfPrimary } from "../../src/failover/agent/local-db.js";

describe("GTID positions", () => {
  it("parses and formats MariaDB's text, domains in order", () => {
    expect(formatGtid(parseGtid("1-2-7, 0-1-105"))).toBe("0-1-105,1-2-7");
    expect(parseGtid("").size).toBe(0);
    expect(() => parseGtid("0-1")).toThrow(/not a GTID/);
  });

  it("orders positions per domain", () => {
    expect(compareGtid("0-1-105", "0-1-100")).toBe("ahead");
    expect(compareGtid("0-1-100", "0-2-105")).toBe("behind");
    expect(compareGtid("0-1-100", "0-1-100")).toBe("equal");
    expect(compareGtid("0-1-1", "")).toBe("ahead");
  });

  it("calls two histories of the same length, written by different servers, diverged", () => {
    expect(compareGtid("0-1-106", "0-2-106")).toBe("diverged");
    expect(compareGtid("0-1-5,1-1-9", "0-1-6,1-1-8")).toBe("diverged");
  });

  it("tells whether one server holds everything another has, and how far ahead it is", () => {
    expect(gtidCovers("0-2-110", "0-1-105")).toBe(true);
    expect(gtidCovers("0-1-104", "0-1-105")).toBe(false);
    expect(gtidDistance("0-1-105", "0-1-100")).toBe(5);
    expect(gtidDistance("0-1-100", "0-1-105")).toBe(0);
    expect(formatGtid(gtidMax("0-1-100", "0-1-104,1-3-2"))).toBe("0-1-104,1-3-2");
  });
});

describe("a server about to follow a primary", () => {
  it("may follow when its binary log ends where the primary's does, or behind it", () => {
    expect(aheadOfPrimary("0-1-100", "0-1-100", "db-2")).toBeNull();
    expect(aheadOfPrimary("0-1-100", "0-2-105", "db-2")).toBeNull();
    expect(aheadOfPrimary("", "0-2-105", "db-2")).toBeNull();
    expect(aheadOfPrimary("", "", "db-2")).toBeNull();
  });

  it("holds transactions the primary never had when it is ahead anywhere, or at the same length from another writer", () => {
    // a primary that has written nothing since it took over: MariaDB would let this server connect
    expect(aheadOfPrimary("0-1-105", "0-1-100", "db-2")).toBe("its binary log ends at 0-1-105, ahead of db-2's (0-1-100)");
    expect(aheadOfPrimary("0-1-106", "0-2-106", "db-2")).toMatch(/ahead of db-2's/);
    expect(aheadOfPrimary("0-1-100,1-1-3", "0-2-110", "db-2")).toMatch(/ahead of db-2's/);
    expect(aheadOfPrimary("0-1-3", "", "db-2")).toBe("its binary log ends at 0-1-3, ahead of db-2's (empty)");
  });
});
