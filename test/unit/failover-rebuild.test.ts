// Rebuilding a diverged replica: the dump's position, and SQL that drops its own history before loading the copy.
import { describe, expect, it } from "vitest";
import { dumpPosition, replaceDataSql } from "../../src/failover/rebuild.js";

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
});
