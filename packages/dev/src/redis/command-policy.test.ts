import { describe, expect, it } from "vitest";
import { commandRefusal } from "./command-policy";

const refused = (command: string[], allowFlush = false) => commandRefusal(command, { allowFlush });

describe("commandRefusal", () => {
  it("lets through the data commands Upstash Redis REST runs, in any case", () => {
    for (const command of [
      ["GET", "k"],
      ["set", "k", "v", "EX", "10"],
      ["HGETALL", "h"],
      ["zadd", "z", "1", "a"],
      ["XADD", "s", "*", "f", "v"],
      ["XREAD", "COUNT", "10", "STREAMS", "s", "0"],
      ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "block", ">"],
      ["EVALSHA", "abc", "0"],
      ["SCRIPT", "LOAD", "return 1"],
      ["script", "exists", "abc"],
      ["FUNCTION", "LIST"],
      ["XINFO", "STREAM", "s"],
      ["XGROUP", "CREATE", "s", "g", "$"],
      ["PUBLISH", "chan", "hi"],
      ["PUBSUB", "NUMSUB", "chan"],
      ["KEYS", "prefix:*"],
      ["SCAN", "0"],
      ["PING"],
      ["ECHO", "x"],
      ["TIME"],
      ["DBSIZE"],
      ["CONFIG", "GET", "notify-keyspace-events"],
      ["CONFIG", "SET", "notify-keyspace-events", "KEA"],
      ["JSON.GET", "j"],
    ]) {
      expect(refused(command), command.join(" ")).toBeUndefined();
    }
  });

  it("refuses server administration Upstash does not offer, as an Upstash ERR message", () => {
    for (const command of [
      ["SHUTDOWN"],
      ["shutdown", "NOSAVE"],
      ["SAVE"],
      ["BGSAVE"],
      ["BGREWRITEAOF"],
      ["DEBUG", "SLEEP", "10"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["CONFIG", "SET", "notify-keyspace-events", "KEA", "dir", "/tmp"],
      ["CONFIG", "REWRITE"],
      ["CONFIG", "RESETSTAT"],
      ["REPLICAOF", "127.0.0.1", "1"],
      ["SLAVEOF", "127.0.0.1", "1"],
      ["MODULE", "LOAD", "/tmp/x.so"],
      ["SWAPDB", "0", "1"],
      ["MOVE", "k", "1"],
      ["MIGRATE", "h", "1", "k", "0", "1"],
      ["ACL", "SETUSER", "eve", "on"],
      ["ACL", "DELUSER", "default"],
      ["FAILOVER"],
      ["SYNC"],
      ["PSYNC", "?", "-1"],
      ["FUNCTION", "RESTORE", "x"],
      ["NOSUCHCOMMAND"],
    ]) {
      expect(refused(command), command.join(" ")).toMatch(/^ERR /);
    }
  });

  it("refuses every command that would change the shared connection's state", () => {
    for (const command of [
      ["SELECT", "1"],
      ["SELECT", "0"],
      ["MULTI"],
      ["EXEC"],
      ["DISCARD"],
      ["WATCH", "k"],
      ["UNWATCH"],
      ["QUIT"],
      ["RESET"],
      ["AUTH", "x"],
      ["HELLO", "3"],
      ["CLIENT", "SETNAME", "x"],
      ["CLIENT", "KILL", "TYPE", "normal"],
      ["CLIENT", "PAUSE", "100000"],
      ["CLIENT", "LIST"],
      ["SUBSCRIBE", "c"],
      ["PSUBSCRIBE", "c*"],
      ["SSUBSCRIBE", "c"],
      ["UNSUBSCRIBE"],
      ["PUNSUBSCRIBE"],
      ["MONITOR"],
    ]) {
      expect(refused(command), command.join(" ")).toMatch(/^ERR /);
    }
  });

  it("refuses blocking commands, which Upstash REST does not run, XREAD BLOCK and WAIT included", () => {
    for (const command of [
      ["BLPOP", "k", "0"],
      ["BRPOP", "k", "0"],
      ["BRPOPLPUSH", "a", "b", "0"],
      ["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"],
      ["BLMPOP", "0", "1", "k", "LEFT"],
      ["BZPOPMIN", "z", "0"],
      ["BZPOPMAX", "z", "0"],
      ["BZMPOP", "0", "1", "z", "MIN"],
      ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
      ["xread", "count", "1", "block", "0", "STREAMS", "s", "$"],
      ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"],
      ["WAIT", "1", "0"],
      ["WAITAOF", "1", "1", "0"],
    ]) {
      expect(refused(command), command.join(" ")).toMatch(/^ERR .*block/i);
    }
  });

  it("refuses flushing unless the dev server was started with --redis-allow-flush", () => {
    for (const command of [["FLUSHALL"], ["flushdb", "ASYNC"], ["SCRIPT", "FLUSH"], ["FUNCTION", "FLUSH"]]) {
      expect(refused(command), command.join(" ")).toMatch(/^ERR .*--redis-allow-flush/);
      expect(refused(command, true), command.join(" ")).toBeUndefined();
    }
  });

  it("names the command and says what to use instead", () => {
    expect(refused(["SUBSCRIBE", "c"])).toMatch(/SUBSCRIBE.*\/subscribe\//);
    expect(refused(["MULTI"])).toMatch(/\/multi-exec/);
    expect(refused(["SHUTDOWN"])).toMatch(/'shutdown'/i);
  });
});
