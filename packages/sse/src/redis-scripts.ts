// The store's writes, each one atomic Lua script (EVAL), so writers in any number of processes
// never interleave. User data is spliced in as raw JSON, never decoded and re-encoded by cjson,
// so it is stored byte for byte. When ARGV names a channel, the change is PUBLISHed there for the
// pub/sub wake-up as {"r": recipient, "v": version, "e": epoch, "u": unread}, a push adding
// "i": the stored item (spliced in as is), or "id": its id alone when the item JSON is longer
// than the bound the store passes, so a message stays small. Epochs are returned as "e" .. epoch:
// a client that decodes JSON replies would turn an all-digit epoch into a number.

/**
 * KEYS: seq, ids, data, unread, groups, rate, ver, epoch.
 * ARGV: payload, now, groupKey, groupWindowMs, rateLimit, rateWindowMs, maxItems, ttlSeconds,
 * overflowGroup, channel, recipient, newEpoch, maxPublishBytes.
 * Returns {itemJson, unread, replacedId, version, "e" .. epoch}.
 * Groups are filed as groupField() does: users' keys under 'g:', the summary under overflowGroup.
 */
export const APPEND_SCRIPT = `
local seqKey, idsKey, dataKey, unreadKey, groupsKey, rateKey, verKey, epochKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local payload, now = ARGV[1], tonumber(ARGV[2])
local groupKey, groupWindow = ARGV[3], tonumber(ARGV[4])
local rateLimit, rateWindow = tonumber(ARGV[5]), tonumber(ARGV[6])
local maxItems, ttl, overflow = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local channel, recipient = ARGV[10], ARGV[11]
-- A feed created (again) gets a new epoch; an existing one keeps its own.
redis.call('SET', epochKey, ARGV[12], 'NX')
local summary = false
if rateLimit > 0 then
  local n = redis.call('INCR', rateKey)
  if n == 1 then redis.call('PEXPIRE', rateKey, rateWindow) end
  if n > rateLimit then groupKey = overflow; groupWindow = rateWindow; summary = true end
end
local field = summary and overflow or ('g:' .. groupKey)
local count, startedAt, replaced = 1, now, 0
if groupKey ~= '' then
  local meta = redis.call('HGET', groupsKey, field)
  if meta then
    local prevId, prevStart, prevCount = string.match(meta, '^(%d+)|(%d+)|(%d+)$')
    if prevId and redis.call('HEXISTS', dataKey, prevId) == 1 and now - tonumber(prevStart) < groupWindow then
      count, startedAt, replaced = tonumber(prevCount) + 1, tonumber(prevStart), tonumber(prevId)
      redis.call('HDEL', dataKey, prevId)
      redis.call('ZREM', idsKey, prevId)
      redis.call('SREM', unreadKey, prevId)
    end
  end
end
local id = redis.call('INCR', seqKey)
local item = '{"id":' .. id .. ',"createdAt":' .. string.format('%d', now) .. ',"groupKey":' .. (groupKey == '' and 'null' or cjson.encode(groupKey)) ..
  ',"groupStartedAt":' .. string.format('%d', startedAt) .. ',"count":' .. count .. ',"summary":' .. tostring(summary) .. ',"data":' .. payload .. '}'
redis.call('HSET', dataKey, id, item)
redis.call('ZADD', idsKey, id, id)
redis.call('SADD', unreadKey, id)
if groupKey ~= '' then redis.call('HSET', groupsKey, field, id .. '|' .. string.format('%d', startedAt) .. '|' .. count) end
local total = redis.call('ZCARD', idsKey)
if total > maxItems then
  local old = redis.call('ZRANGE', idsKey, 0, total - maxItems - 1)
  for _, oldId in ipairs(old) do
    -- Forget the trimmed item's group, so the groups hash does not outgrow the feed. Its field
    -- is found as it was filed; an entry from before the 'g:' namespace (the bare key) is
    -- forgotten too. Either is deleted only while it still points at this item.
    local raw = redis.call('HGET', dataKey, oldId)
    local encodedKey, oldSummary
    if raw then
      encodedKey, oldSummary = string.match(raw, '^{"id":%d+,"createdAt":%d+,"groupKey":(.-),"groupStartedAt":%d+,"count":%d+,"summary":(%a+),')
    end
    if encodedKey and encodedKey ~= 'null' then
      local oldKey = cjson.decode(encodedKey)
      local fields = oldSummary == 'true' and {overflow} or {'g:' .. oldKey, oldKey}
      for _, oldField in ipairs(fields) do
        local meta = redis.call('HGET', groupsKey, oldField)
        if meta and string.match(meta, '^(%d+)|') == oldId then redis.call('HDEL', groupsKey, oldField) end
      end
    end
    redis.call('HDEL', dataKey, oldId)
    redis.call('SREM', unreadKey, oldId)
  end
  redis.call('ZREMRANGEBYRANK', idsKey, 0, total - maxItems - 1)
end
local version = redis.call('INCR', verKey)
if ttl > 0 then
  for _, key in ipairs({seqKey, idsKey, dataKey, unreadKey, groupsKey, verKey, epochKey}) do redis.call('EXPIRE', key, ttl) end
end
local unread = redis.call('SCARD', unreadKey)
local epoch = redis.call('GET', epochKey) or ''
if channel ~= '' then
  local head = '{"r":' .. cjson.encode(recipient) .. ',"v":' .. string.format('%d', version) .. ',"e":' .. cjson.encode(epoch) .. ',"u":' .. unread
  if #item <= tonumber(ARGV[13]) then
    redis.call('PUBLISH', channel, head .. ',"i":' .. item .. '}')
  else
    redis.call('PUBLISH', channel, head .. ',"id":' .. id .. '}')
  end
end
return {item, unread, replaced, version, 'e' .. epoch}
`;

/** The change message of a write that adds no item (markRead, remove). */
const PUBLISH_CHANGE = `
local function publishChange(channel, recipient, version, epochKey, unread)
  local epoch = redis.call('GET', epochKey) or ''
  if channel ~= '' then
    redis.call('PUBLISH', channel, '{"r":' .. cjson.encode(recipient) .. ',"v":' .. string.format('%d', version) .. ',"e":' .. cjson.encode(epoch) .. ',"u":' .. unread .. '}')
  end
  return 'e' .. epoch
end
`;

/**
 * KEYS: unread, ver, epoch. ARGV: channel, recipient, "all" | "ids", ...ids.
 * Returns {unread, version, "e" .. epoch}.
 */
export const MARK_READ_SCRIPT = `${PUBLISH_CHANGE}
if ARGV[3] == 'all' then
  redis.call('DEL', KEYS[1])
else
  for i = 4, #ARGV do redis.call('SREM', KEYS[1], ARGV[i]) end
end
local version = redis.call('INCR', KEYS[2])
local unread = redis.call('SCARD', KEYS[1])
return {unread, version, publishChange(ARGV[1], ARGV[2], version, KEYS[3], unread)}
`;

/**
 * KEYS: data, ids, unread, ver, epoch. ARGV: channel, recipient, ...ids.
 * Returns {removed, unread, version, "e" .. epoch}.
 */
export const REMOVE_SCRIPT = `${PUBLISH_CHANGE}
local removed = 0
for i = 3, #ARGV do
  removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('SREM', KEYS[3], ARGV[i])
end
local version = redis.call('INCR', KEYS[4])
local unread = redis.call('SCARD', KEYS[3])
return {removed, unread, version, publishChange(ARGV[1], ARGV[2], version, KEYS[5], unread)}
`;

/**
 * What streams read to catch up, for any number of recipients in one atomic step (one round trip
 * for every stream a poll woke). KEYS: per recipient ids, data, unread, seq, ver, epoch.
 * ARGV: per recipient after, limit. Returns per recipient
 * {itemJsons, unreadFlags, more, unread, seq, version, "e" .. epoch}, items oldest first.
 */
export const SINCE_SCRIPT = `
local out = {}
for n = 1, #ARGV / 2 do
  local k = (n - 1) * 6
  local limit = tonumber(ARGV[2 * n])
  local ids = redis.call('ZRANGEBYSCORE', KEYS[k + 1], '(' .. ARGV[2 * n - 1], '+inf', 'LIMIT', 0, limit + 1)
  local more = 0
  if #ids > limit then
    more = 1
    ids[#ids] = nil
  end
  local items, flags = {}, {}
  if #ids > 0 then
    items = redis.call('HMGET', KEYS[k + 2], unpack(ids))
    flags = redis.call('SMISMEMBER', KEYS[k + 3], unpack(ids))
  end
  out[n] = {items, flags, more, redis.call('SCARD', KEYS[k + 3]), redis.call('GET', KEYS[k + 4]) or '0',
    redis.call('GET', KEYS[k + 5]) or '0', 'e' .. (redis.call('GET', KEYS[k + 6]) or '')}
end
return out
`;
