/** Options for {@link commandRefusal}. */
export interface RedisCommandPolicyOptions {
  /**
   * Let FLUSHALL, FLUSHDB, SCRIPT FLUSH and FUNCTION FLUSH through (`--redis-allow-flush`).
   * Upstash runs them, but the dev server usually fronts the developer's own Redis.
   * @default false
   */
  allowFlush: boolean;
}

/**
 * Why the dev server's Redis REST endpoint refuses a command, as the `ERR …` message Upstash
 * answers with `400`, or `undefined` when the command may run.
 *
 * It is an allow-list: the commands Upstash documents as supported (docs "Redis® API
 * Compatibility" and the command reference), less what its REST API does not run ("REST - Redis
 * API Compatibility": blocking commands, WATCH/UNWATCH/DISCARD, connection commands but PING and
 * ECHO) and less what is connection-oriented (SUBSCRIBE, MONITOR, MULTI/EXEC, CLIENT…), since every
 * REST request shares one Redis connection. Anything else, unknown names included, is refused.
 *
 * @example
 * ```ts
 * import { commandRefusal } from "./command-policy";
 * commandRefusal(["GET", "k"], { allowFlush: false }); // undefined
 * commandRefusal(["FLUSHALL"], { allowFlush: false }); // "ERR FLUSHALL is refused …"
 * ```
 */
export function commandRefusal(
  command: readonly string[],
  options: RedisCommandPolicyOptions,
): string | undefined {
  const name = (command[0] ?? "").toUpperCase();
  const sub = (command[1] ?? "").toUpperCase();
  const full = SUBCOMMANDS[name] ? `${name} ${sub}` : name;

  if (FLUSHES.has(full)) {
    return options.allowFlush
      ? undefined
      : `ERR ${full} is refused by the dev server: it would wipe the Redis behind it, which may be your own. Start it with --redis-allow-flush to allow it.`;
  }
  if (BLOCKING.has(name) || (STREAM_READS.has(name) && blocksStreamRead(command))) {
    const what = STREAM_READS.has(name) ? `${name} BLOCK` : name;
    return `ERR ${what} is not supported by Upstash Redis REST: blocking commands are not supported (use the non-blocking form, e.g. LPOP, or XREAD without BLOCK).`;
  }
  if (WAITS.has(name)) {
    return `ERR ${name} is refused by the dev server: it blocks until replicas answer, and a local Redis has none.`;
  }
  const instead = CONNECTION_STATE[name];
  if (instead !== undefined) {
    return `ERR ${name} is not supported by Upstash Redis REST: every request is stateless, so connection commands do not run${instead ? `; ${instead}` : ""}.`;
  }
  if (name === "CONFIG" && sub === "SET" && !onlySetsKeyspaceEvents(command)) {
    return "ERR CONFIG SET is refused: Upstash only lets CONFIG SET change notify-keyspace-events.";
  }
  const allowed = SUBCOMMANDS[name] ? SUBCOMMANDS[name].has(sub) : COMMANDS.has(name);
  if (!allowed) {
    return `ERR unknown command '${SUBCOMMANDS[name] ? `${name} ${sub}` : name}', or one Upstash Redis REST does not run, so the dev server refuses it.`;
  }
  return undefined;
}

/** XREAD and XREADGROUP block only with a BLOCK option, which comes before STREAMS. */
function blocksStreamRead(command: readonly string[]): boolean {
  for (const argument of command.slice(1)) {
    const word = argument.toUpperCase();
    if (word === "STREAMS") return false;
    if (word === "BLOCK") return true;
  }
  return false;
}

function onlySetsKeyspaceEvents(command: readonly string[]): boolean {
  const pairs = command.slice(2);
  if (pairs.length === 0 || pairs.length % 2 !== 0) return false;
  return pairs.every((word, i) => i % 2 === 1 || word.toLowerCase() === "notify-keyspace-events");
}

const words = (list: string): Set<string> => new Set(list.trim().split(/\s+/));

/** Upstash's documented data, scripting and server commands that REST runs. */
const COMMANDS = words(`
  APPEND DECR DECRBY GET GETDEL GETEX GETRANGE GETSET INCR INCRBY INCRBYFLOAT MGET MSET MSETNX
  PSETEX SET SETEX SETNX SETRANGE STRLEN DELEX DIGEST
  BITCOUNT BITFIELD BITFIELD_RO BITOP BITPOS GETBIT SETBIT
  HDEL HEXISTS HEXPIRE HEXPIREAT HEXPIRETIME HGET HGETALL HGETDEL HGETEX HINCRBY HINCRBYFLOAT HKEYS
  HLEN HMGET HMSET HPERSIST HPEXPIRE HPEXPIREAT HPEXPIRETIME HPTTL HRANDFIELD HSCAN HSET HSETEX
  HSETNX HSTRLEN HTTL HVALS
  LINDEX LINSERT LLEN LMOVE LMPOP LPOP LPOS LPUSH LPUSHX LRANGE LREM LSET LTRIM RPOP RPOPLPUSH
  RPUSH RPUSHX
  SADD SCARD SDIFF SDIFFSTORE SINTER SINTERCARD SINTERSTORE SISMEMBER SMEMBERS SMISMEMBER SMOVE SPOP
  SRANDMEMBER SREM SSCAN SUNION SUNIONSTORE
  ZADD ZCARD ZCOUNT ZDIFF ZDIFFSTORE ZINCRBY ZINTER ZINTERCARD ZINTERSTORE ZLEXCOUNT ZMPOP ZMSCORE
  ZPOPMAX ZPOPMIN ZRANDMEMBER ZRANGE ZRANGEBYLEX ZRANGEBYSCORE ZRANGESTORE ZRANK ZREM ZREMRANGEBYLEX
  ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREVRANGE ZREVRANGEBYLEX ZREVRANGEBYSCORE ZREVRANK ZSCAN ZSCORE
  ZUNION ZUNIONSTORE
  GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO
  GEOSEARCH GEOSEARCHSTORE
  PFADD PFCOUNT PFMERGE
  XACK XACKDEL XADD XAUTOCLAIM XCLAIM XDEL XDELEX XLEN XPENDING XRANGE XREAD XREADGROUP XREVRANGE
  XTRIM
  COPY DEL DUMP EXISTS EXPIRE EXPIREAT EXPIRETIME KEYS PERSIST PEXPIRE PEXPIREAT PEXPIRETIME PTTL
  RANDOMKEY RENAME RENAMENX RESTORE SCAN TOUCH TTL TYPE UNLINK
  EVAL EVAL_RO EVALSHA EVALSHA_RO FCALL FCALL_RO
  PUBLISH
  DBSIZE TIME INFO COMMAND
  PING ECHO
  JSON.ARRAPPEND JSON.ARRINDEX JSON.ARRINSERT JSON.ARRLEN JSON.ARRPOP JSON.ARRTRIM JSON.CLEAR
  JSON.DEBUG JSON.DEL JSON.FORGET JSON.GET JSON.MERGE JSON.MGET JSON.MSET JSON.NUMINCRBY
  JSON.NUMMULTBY JSON.OBJKEYS JSON.OBJLEN JSON.RESP JSON.SET JSON.STRAPPEND JSON.STRLEN JSON.TOGGLE
  JSON.TYPE
`);

/** Container commands: only these subcommands run (the flushes are handled apart). */
const SUBCOMMANDS: Record<string, Set<string>> = {
  SCRIPT: words("EXISTS LOAD KILL FLUSH"),
  FUNCTION: words("DELETE KILL LIST LOAD STATS FLUSH"),
  XINFO: words("CONSUMERS GROUPS STREAM HELP"),
  XGROUP: words("CREATE CREATECONSUMER DELCONSUMER DESTROY SETID HELP"),
  PUBSUB: words("CHANNELS NUMPAT NUMSUB SHARDCHANNELS SHARDNUMSUB HELP"),
  MEMORY: words("USAGE"),
  CONFIG: words("GET SET"),
  // Upstash runs every ACL subcommand, but here they would rewrite the local Redis's users.
  ACL: words("CAT WHOAMI GENPASS"),
};

const FLUSHES = words("FLUSHALL FLUSHDB");
FLUSHES.add("SCRIPT FLUSH");
FLUSHES.add("FUNCTION FLUSH");

/** Upstash REST: "Blocking commands (BLPOP - BRPOP - BRPOPLPUSH) are not supported", BZPOP* too. */
const BLOCKING = words("BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP");
/** Upstash runs these, but without replicas `WAIT 1 0` would hold the shared connection forever. */
const WAITS = words("WAIT WAITAOF");
const STREAM_READS = words("XREAD XREADGROUP");

/** Connection-oriented commands, with what to use instead over REST. */
const CONNECTION_STATE: Record<string, string> = {
  SELECT: "the dev server uses the database in --redis-url (e.g. redis://127.0.0.1:6379/2)",
  MULTI: "send a transaction to /multi-exec",
  EXEC: "send a transaction to /multi-exec",
  DISCARD: "send a transaction to /multi-exec",
  WATCH: "send a transaction to /multi-exec",
  UNWATCH: "send a transaction to /multi-exec",
  SUBSCRIBE: "open /subscribe/{channel} as Server-Sent Events",
  PSUBSCRIBE: "open /psubscribe/{pattern} as Server-Sent Events (or /subscribe/{channel})",
  SSUBSCRIBE: "open /subscribe/{channel} as Server-Sent Events",
  UNSUBSCRIBE: "close the /subscribe/{channel} stream",
  PUNSUBSCRIBE: "close the /psubscribe/{pattern} stream (or /subscribe/{channel})",
  SUNSUBSCRIBE: "close the /subscribe/{channel} stream",
  MONITOR: "",
  QUIT: "",
  RESET: "",
  AUTH: "send the token as Authorization: Bearer",
  HELLO: "",
  CLIENT: "",
  READONLY: "",
  READWRITE: "",
};
