// Rebuilding a diverged replica: the dump's position, and SQL that drops its own history before loading the copy.
import { describe, expect, it } from "vitest";
import { dumpPosition, replaceDataSql, binlogGtids, divergedStart, parseBinlogState } from "../../src/failover/rebuild.js";
import { logsStartState } from "../../src/failover/rebuild-sql.js";

const DUMP = "-- MariaDB dump\n-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\nCREATE DATABASE foobar;\n-- SET GLOBAL gtid_slave_pos='0-2-231';\n";

describe("rebuilding a diverged replica", () => {
  it("reads the GTID position the dump was taken at, and refuses a dump without one", () => {
    expect(dumpPosition(DUMP)).toBe("0-2-231");
    expect(() => dumpPosition("CREATE DATABASE foobar;")).toThrow(/GTID position/);
  });
  it("resets the binary log to that position, outside the binary log, before loading the copy", () => {
    const sql = replaceDataSql(DUMP, "0-2-231");
    const order = ["RESET MASTER;", "SET GLOBAL gtid_binlog_state = '0-2-231';", "SET sql_log_bin = 0;", "DROP DATABASE IF EXISTS `foobar`;", "CREATE DATABASE foobar;"].map((s) => sql.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(sql).toMatch(/SET GLOBAL read_only = ON;/);
  });
  it("stops replication but keeps it set up, so a failover controller does not make the server follow the primary in the middle of the load", () => {
    const sql = replaceDataSql(DUMP, "0-2-231");
    expect(sql.indexOf("STOP SLAVE;")).toBeLessThan(sql.indexOf("RESET MASTER;"));
    expect(sql).not.toMatch(/RESET SLAVE/);
  });
});

describe("the transactions only a diverged server held", () => {
  it("start after the last of its own transactions the primary holds, per domain it wrote in", () => {
    // db-1 (server 1) wrote 0-1-60 after db-2 got 0-1-59; db-2, promoted, went on with 0-2-61...
    expect(divergedStart("0-1-60,0-2-58", "0-1-59,0-2-70", 1)).toBe("0-1-59");
    expect(divergedStart("0-1-60,1-1-7", "0-1-59,1-1-3,0-2-70", 1)).toBe("0-1-59,1-1-3");
    // Never seen by the primary at all: from the start of the domain.
    expect(divergedStart("0-1-4", "0-2-9", 1)).toBe("0-1-0");
  });
  it("start at the beginning of its binary logs when they begin after that (it was rebuilt before: RESET MASTER, a new state)", () => {
    // server-1 rebuilt from server-2 at 0-2-2 (its logs begin there), then written on by hand: 0-1-3; server-2 holds 0-1-1
    expect(divergedStart("0-2-2,0-1-3", "0-1-1,0-2-2", 1, "0-2-2")).toBe("0-2-2");
    // logs that begin before the last transaction the primary holds change nothing
    expect(divergedStart("0-1-60,0-2-58", "0-1-59,0-2-70", 1, "0-1-20")).toBe("0-1-59");
    expect(divergedStart("0-1-4", "0-2-9", 1, "")).toBe("0-1-0");
  });
  it("read where the logs begin from the first log's Gtid_list event", () => {
    const events = [
      "mysql-bin.000001\t4\tFormat_desc\t2\t256\tServer ver: 10.11.6-MariaDB-0+deb12u1-log, Binlog ver: 4",
      "mysql-bin.000001\t256\tGtid_list\t2\t285\t[0-2-2]",
      "mysql-bin.000001\t285\tBinlog_checkpoint\t2\t328\tmysql-bin.000001",
    ].join("\n");
    expect(logsStartState(events)).toBe("0-2-2");
    expect(logsStartState(events.replace("[0-2-2]", "[]"))).toBe("");
    expect(logsStartState(events.replace("[0-2-2]", "[0-1-5,0-2-7]"))).toBe("0-1-5,0-2-7");
  });
  it("are none when the primary holds everything it wrote (a replica that was only behind)", () => {
    expect(divergedStart("0-1-59,0-2-60", "0-1-59,0-2-70", 1)).toBeNull();
    expect(divergedStart("", "0-2-70", 1)).toBeNull();
  });
  it("are named by the GTIDs mariadb-binlog prints, not by its GTID list events", () => {
    const out = [
      "# at 4",
      "#241202  5:00:00 server id 1  end_log_pos 256 CRC32 0x0  Gtid list [0-1-59]",
      "#241202  5:00:01 server id 1  end_log_pos 300 CRC32 0x1 \tGTID 0-1-60 trans",
      "### INSERT INTO `foobar`.`entries`",
      "#241202  5:00:02 server id 1  end_log_pos 400 CRC32 0x2 \tGTID 0-1-61 trans",
    ].join("\n");
    expect(binlogGtids(out)).toEqual(["0-1-60", "0-1-61"]);
    expect(() => parseBinlogState("0-1")).toThrow(/not a GTID/);
  });
});
