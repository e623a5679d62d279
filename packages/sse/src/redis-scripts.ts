// The store's writes, each one atomic Lua script (EVAL), so writers in any number of processes
// never interleave. User data is spliced in as raw JSON, never decoded and re-encoded by cjson,
// so it is stored byte for byte. When ARGV names a channel, the change is PUBLISHed there as
// {"r": recipient, "v": version} for the pub/sub wake-up.

/**
 * KEYS: seq, ids, data, unread, groups, rate, ver, epoch.
 * ARGV: payload, now, groupKey, groupWindowMs, rateLimit, rateWindowMs, maxItems, ttlSeconds,
 * overflowGroup, channel, recipient, newEpoch. Returns {itemJson, unread, replacedId, version}.
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
if channel ~= '' then redis.call('PUBLISH', channel, cjson.encode({r = recipient, v = version})) end
return {item, redis.call('SCARD', unreadKey), replaced, version}
`;

/** KEYS: unread, ver. ARGV: channel, recipient, "all" | "ids", ...ids. Returns {unread, version}. */
export const MARK_READ_SCRIPT = `
if ARGV[3] == 'all' then
  redis.call('DEL', KEYS[1])
else
  for i = 4, #ARGV do redis.call('SREM', KEYS[1], ARGV[i]) end
end
local version = redis.call('INCR', KEYS[2])
if ARGV[1] ~= '' then redis.call('PUBLISH', ARGV[1], cjson.encode({r = ARGV[2], v = version})) end
return {redis.call('SCARD', KEYS[1]), version}
`;

/** KEYS: data, ids, unread, ver. ARGV: channel, recipient, ...ids. Returns {removed, unread, version}. */
export const REMOVE_SCRIPT = `
local removed = 0
for i = 3, #ARGV do
  removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('SREM', KEYS[3], ARGV[i])
end
local version = redis.call('INCR', KEYS[4])
if ARGV[1] ~= '' then redis.call('PUBLISH', ARGV[1], cjson.encode({r = ARGV[2], v = version})) end
return {removed, redis.call('SCARD', KEYS[3]), version}
`;
