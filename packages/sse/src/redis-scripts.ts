// The store's Redis work, each step one Lua script run through the RedisDriver (EVALSHA), so
// writers in any number of processes never interleave and every client (Upstash over HTTP,
// ioredis or node-redis over TCP) sends the same thing. User data is spliced in as raw JSON,
// never decoded and re-encoded by cjson, so it is stored byte for byte. When ARGV names a
// channel, the change is PUBLISHed there for the pub/sub wake-up as {"r": recipient, "v": version,
// "e": epoch, "u": unread, "c": [total, unseen, unread, archived]}, a push adding "i": the stored
// item (spliced in as is), or "id": its id alone when the item JSON is longer than the bound the
// store passes, and a mark adding "s": the state change. Epochs are returned as "e" .. epoch: a
// driver decodes JSON-looking replies, and would turn an all-digit epoch into a number.

/**
 * Counts of one recipient: {total, unseen, unread, archived}, the first three leaving archived
 * items out. SMISMEMBER over the archived set (bounded by maxItems) rather than SINTERCARD, so
 * Redis 6.2 works too.
 */
const COUNTS = `
local function feedCounts(idsKey, unreadKey, unseenKey, archivedKey)
  local archived = redis.call('SCARD', archivedKey)
  local unread = redis.call('SCARD', unreadKey)
  local unseen = redis.call('SCARD', unseenKey)
  if archived > 0 then
    local members = redis.call('SMEMBERS', archivedKey)
    for i = 1, #members, 1000 do
      local chunk = {unpack(members, i, math.min(i + 999, #members))}
      for _, f in ipairs(redis.call('SMISMEMBER', unreadKey, unpack(chunk))) do unread = unread - f end
      for _, f in ipairs(redis.call('SMISMEMBER', unseenKey, unpack(chunk))) do unseen = unseen - f end
    end
  end
  return {redis.call('ZCARD', idsKey) - archived, unseen, unread, archived}
end
local function publishChange(channel, recipient, version, epoch, counts, extra)
  if channel ~= '' then
    redis.call('PUBLISH', channel, '{"r":' .. cjson.encode(recipient) .. ',"v":' .. string.format('%d', version) ..
      ',"e":' .. cjson.encode(epoch) .. ',"u":' .. counts[3] .. ',"c":[' .. table.concat(counts, ',') .. ']' .. extra .. '}')
  end
end
`;

/**
 * KEYS: seq, ids, data, unread, unseen, archived, groups, rate, ver, epoch, dedupeTimes, dedupeItems.
 * ARGV: payload, now, groupKey, groupWindowMs, rateLimit, rateWindowMs, maxItems, ttlSeconds,
 * overflowGroup, channel, recipient, newEpoch, maxPublishBytes, category, actorJson, maxActors,
 * maxGrouped, maxTrackedActors, dedupeKey ('' = none), dedupeWindowMs.
 * Returns {itemJson, counts, replacedId, version, "e" .. epoch, duplicate (0 | 1), flags}.
 * A dedupeKey seen within the window changes nothing (not even the rate count): the reply is the
 * item now standing for that push (its group's current item, else the item itself; false when
 * it is gone) with its flags {unread, unseen, archived}. dedupeTimes is a sorted set key → push
 * time, dedupeItems a hash key → "id|groupField"; keys older than the window are dropped. The item JSON keeps the grouped
 * payloads after the latest as "older" (the latest is "data": stored once).
 * Groups are filed as groupField() does: users' keys under 'g:', the summary under overflowGroup,
 * each as cjson {id, s = startedAt, n = count, a = actors, i = distinct actor ids, c = actorCount,
 * p = payloads (raw JSON strings)}; an entry written before actors ("id|startedAt|count") is read
 * as a group with none.
 */
export const APPEND_SCRIPT = `${COUNTS}
local seqKey, idsKey, dataKey, unreadKey, unseenKey, archivedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local groupsKey, rateKey, verKey, epochKey = KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local dedupeTimes, dedupeItems = KEYS[11], KEYS[12]
local payload, now = ARGV[1], tonumber(ARGV[2])
local groupKey, groupWindow = ARGV[3], tonumber(ARGV[4])
local rateLimit, rateWindow = tonumber(ARGV[5]), tonumber(ARGV[6])
local maxItems, ttl, overflow = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local channel, recipient = ARGV[10], ARGV[11]
local category, actorJson = ARGV[14], ARGV[15]
local maxActors, maxGrouped, maxTracked = tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
-- A feed created (again) gets a new epoch; an existing one keeps its own.
redis.call('SET', epochKey, ARGV[12], 'NX')
local dedupeKey, dedupeWindow = ARGV[19], tonumber(ARGV[20])
if dedupeKey ~= '' then
  local cutoff = '(' .. string.format('%d', now - dedupeWindow)
  local expired = redis.call('ZRANGEBYSCORE', dedupeTimes, '-inf', cutoff)
  for i = 1, #expired, 1000 do redis.call('HDEL', dedupeItems, unpack(expired, i, math.min(i + 999, #expired))) end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', dedupeTimes, '-inf', cutoff) end
  local seen = redis.call('HGET', dedupeItems, dedupeKey)
  if seen then
    local seenId, seenField = string.match(seen, '^(%d+)|(.*)$')
    local currentId = seenId
    if seenField ~= '' then
      local meta = redis.call('HGET', groupsKey, seenField)
      if meta and string.sub(meta, 1, 1) == '{' then
        local groupId = string.format('%d', cjson.decode(meta).id)
        if redis.call('HEXISTS', dataKey, groupId) == 1 then currentId = groupId end
      end
    end
    local raw = redis.call('HGET', dataKey, currentId)
    local flags = {redis.call('SISMEMBER', unreadKey, currentId), redis.call('SISMEMBER', unseenKey, currentId), redis.call('SISMEMBER', archivedKey, currentId)}
    return {raw, feedCounts(idsKey, unreadKey, unseenKey, archivedKey), tonumber(seenId), tonumber(redis.call('GET', verKey) or '0'),
      'e' .. (redis.call('GET', epochKey) or ''), 1, flags}
  end
end
local summary = false
if rateLimit > 0 then
  local n = redis.call('INCR', rateKey)
  if n == 1 then redis.call('PEXPIRE', rateKey, rateWindow) end
  if n > rateLimit then groupKey = overflow; groupWindow = rateWindow; summary = true end
end
local field = summary and overflow or ('g:' .. groupKey)
local count, startedAt, replaced = 1, now, 0
local actors, actorIds, actorCount, payloads = {}, {}, 0, {}
if groupKey ~= '' then
  local meta = redis.call('HGET', groupsKey, field)
  if meta then
    local prev
    if string.sub(meta, 1, 1) == '{' then
      prev = cjson.decode(meta)
    else
      local prevId, prevStart, prevCount = string.match(meta, '^(%d+)|(%d+)|(%d+)$')
      if prevId then prev = {id = tonumber(prevId), s = tonumber(prevStart), n = tonumber(prevCount), a = {}, i = {}, c = 0, p = {}} end
    end
    local prevId = prev and string.format('%d', prev.id)
    if prev and redis.call('HEXISTS', dataKey, prevId) == 1 and now - prev.s < groupWindow then
      count, startedAt, replaced = prev.n + 1, prev.s, prev.id
      actors, actorIds, actorCount, payloads = prev.a, prev.i, prev.c, prev.p
      redis.call('HDEL', dataKey, prevId)
      redis.call('ZREM', idsKey, prevId)
      redis.call('SREM', unreadKey, prevId)
      redis.call('SREM', unseenKey, prevId)
      redis.call('SREM', archivedKey, prevId)
    end
  end
end
if actorJson ~= '' then
  local actor = cjson.decode(actorJson)
  local known = false
  for _, seen in ipairs(actorIds) do
    if seen == actor.id then known = true; break end
  end
  if not known then
    actorCount = actorCount + 1
    if #actorIds < maxTracked then actorIds[#actorIds + 1] = actor.id end
  end
  local recent = {actor}
  for _, other in ipairs(actors) do
    if #recent >= maxActors then break end
    if other.id ~= actor.id then recent[#recent + 1] = other end
  end
  actors = recent
end
local grouped = {payload}
for _, older in ipairs(payloads) do
  if #grouped >= maxGrouped then break end
  grouped[#grouped + 1] = older
end
local actorParts = {}
for n, actor in ipairs(actors) do actorParts[n] = cjson.encode(actor) end
local id = redis.call('INCR', seqKey)
local item = '{"id":' .. id .. ',"createdAt":' .. string.format('%d', now) .. ',"groupKey":' .. (groupKey == '' and 'null' or cjson.encode(groupKey)) ..
  ',"groupStartedAt":' .. string.format('%d', startedAt) .. ',"count":' .. count .. ',"summary":' .. tostring(summary) ..
  ',"category":' .. (category == '' and 'null' or cjson.encode(category)) .. ',"actorCount":' .. actorCount ..
  ',"actors":[' .. table.concat(actorParts, ',') .. '],"older":[' .. table.concat(grouped, ',', 2) .. '],"data":' .. payload .. '}'
redis.call('HSET', dataKey, id, item)
redis.call('ZADD', idsKey, id, id)
redis.call('SADD', unreadKey, id)
redis.call('SADD', unseenKey, id)
if dedupeKey ~= '' then
  redis.call('ZADD', dedupeTimes, now, dedupeKey)
  redis.call('HSET', dedupeItems, dedupeKey, id .. '|' .. (groupKey ~= '' and field or ''))
end
if groupKey ~= '' then
  redis.call('HSET', groupsKey, field, cjson.encode({id = id, s = startedAt, n = count, a = actors, i = actorIds, c = actorCount, p = grouped}))
end
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
        local metaId
        if meta and string.sub(meta, 1, 1) == '{' then metaId = string.format('%d', cjson.decode(meta).id)
        elseif meta then metaId = string.match(meta, '^(%d+)|') end
        if metaId == oldId then redis.call('HDEL', groupsKey, oldField) end
      end
    end
    redis.call('HDEL', dataKey, oldId)
    redis.call('SREM', unreadKey, oldId)
    redis.call('SREM', unseenKey, oldId)
    redis.call('SREM', archivedKey, oldId)
  end
  redis.call('ZREMRANGEBYRANK', idsKey, 0, total - maxItems - 1)
end
local version = redis.call('INCR', verKey)
if ttl > 0 then
  for _, key in ipairs({seqKey, idsKey, dataKey, unreadKey, unseenKey, archivedKey, groupsKey, verKey, epochKey}) do redis.call('EXPIRE', key, ttl) end
  if dedupeKey ~= '' then
    redis.call('EXPIRE', dedupeTimes, ttl)
    redis.call('EXPIRE', dedupeItems, ttl)
  end
end
local counts = feedCounts(idsKey, unreadKey, unseenKey, archivedKey)
local epoch = redis.call('GET', epochKey) or ''
if #item <= tonumber(ARGV[13]) then
  publishChange(channel, recipient, version, epoch, counts, ',"i":' .. item)
else
  publishChange(channel, recipient, version, epoch, counts, ',"id":' .. id)
end
return {item, counts, replaced, version, 'e' .. epoch, 0}
`;

/**
 * KEYS: ids, unread, unseen, archived, ver, epoch.
 * ARGV: channel, recipient, read, seen, archived (each '1' set, '0' clear, '' unchanged),
 * stateFlagsJson (',"read":true,...' for the message), "all" | "ids", ...ids.
 * `read` '1' clears unseen too (read implies seen). Only ids that exist change.
 * Returns {counts, version, "e" .. epoch, changedIds}.
 */
export const MARK_SCRIPT = `${COUNTS}
local idsKey, unreadKey, unseenKey, archivedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local read, seen, archived = ARGV[3], ARGV[4], ARGV[5]
local targets = {}
if ARGV[7] == 'all' then
  if read == '1' then redis.call('DEL', unreadKey, unseenKey) end
  if seen == '1' then redis.call('DEL', unseenKey) end
  if archived == '0' then redis.call('DEL', archivedKey) end
  if read == '0' or seen == '0' or archived == '1' then targets = redis.call('ZRANGE', idsKey, 0, -1) end
else
  for i = 8, #ARGV do
    if redis.call('ZSCORE', idsKey, ARGV[i]) then targets[#targets + 1] = ARGV[i] end
  end
end
for i = 1, #targets, 1000 do
  local chunk = {unpack(targets, i, math.min(i + 999, #targets))}
  if read == '1' then
    redis.call('SREM', unreadKey, unpack(chunk))
    redis.call('SREM', unseenKey, unpack(chunk))
  elseif read == '0' then redis.call('SADD', unreadKey, unpack(chunk)) end
  if seen == '1' then redis.call('SREM', unseenKey, unpack(chunk))
  elseif seen == '0' then redis.call('SADD', unseenKey, unpack(chunk)) end
  if archived == '1' then redis.call('SADD', archivedKey, unpack(chunk))
  elseif archived == '0' then redis.call('SREM', archivedKey, unpack(chunk)) end
end
local version = redis.call('INCR', KEYS[5])
local counts = feedCounts(idsKey, unreadKey, unseenKey, archivedKey)
local epoch = redis.call('GET', KEYS[6]) or ''
local ids = ARGV[7] == 'all' and '"all"' or ('[' .. table.concat(targets, ',') .. ']')
publishChange(ARGV[1], ARGV[2], version, epoch, counts, ',"s":{"ids":' .. ids .. ARGV[6] .. '}')
if ARGV[7] == 'all' then targets = {} end
return {counts, version, 'e' .. epoch, targets}
`;

/**
 * KEYS: data, ids, unread, unseen, archived, ver, epoch. ARGV: channel, recipient, ...ids.
 * Returns {removed, counts, version, "e" .. epoch}.
 */
export const REMOVE_SCRIPT = `${COUNTS}
local removed = 0
for i = 3, #ARGV do
  removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('SREM', KEYS[3], ARGV[i])
  redis.call('SREM', KEYS[4], ARGV[i])
  redis.call('SREM', KEYS[5], ARGV[i])
end
local version = redis.call('INCR', KEYS[6])
local counts = feedCounts(KEYS[2], KEYS[3], KEYS[4], KEYS[5])
local epoch = redis.call('GET', KEYS[7]) or ''
publishChange(ARGV[1], ARGV[2], version, epoch, counts, '')
return {removed, counts, version, 'e' .. epoch}
`;

/**
 * A page: newest first from ARGV[1] down, the items matching the status and category filters.
 * KEYS: ids, data, unread, unseen, archived. ARGV: max score ('+inf' or '(' .. before), limit,
 * status (inbox | unread | unseen | archived | all), category ('' = any).
 * Scans in chunks until limit + 1 items match (bounded by maxItems).
 * Returns {itemJsons, unreadFlags, unseenFlags, archivedFlags, more, counts}.
 */
export const LIST_SCRIPT = `${COUNTS}
local limit, status, category = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local items, unread, unseen, archived = {}, {}, {}, {}
local offset, chunk = 0, math.max(limit + 1, 50)
while #items <= limit do
  local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'LIMIT', offset, chunk)
  if #ids == 0 then break end
  offset = offset + #ids
  local r = redis.call('SMISMEMBER', KEYS[3], unpack(ids))
  local s = redis.call('SMISMEMBER', KEYS[4], unpack(ids))
  local a = redis.call('SMISMEMBER', KEYS[5], unpack(ids))
  -- Flags first: only the items they let through are read.
  local picked = {}
  for j = 1, #ids do
    local isArchived = a[j] == 1
    local ok
    if status == 'all' then ok = true
    elseif status == 'archived' then ok = isArchived
    elseif status == 'unread' then ok = not isArchived and r[j] == 1
    elseif status == 'unseen' then ok = not isArchived and s[j] == 1
    else ok = not isArchived end
    if ok then picked[#picked + 1] = j end
  end
  if #picked > 0 then
    local wanted = {}
    for n, j in ipairs(picked) do wanted[n] = ids[j] end
    local raws = redis.call('HMGET', KEYS[2], unpack(wanted))
    for n, j in ipairs(picked) do
      local raw = raws[n]
      local ok = raw and true or false
      if ok and category ~= '' then
        local stored = string.match(raw, '^{"id":%d+,"createdAt":%d+,"groupKey":.-,"groupStartedAt":%d+,"count":%d+,"summary":%a+,"category":(.-),"actorCount":')
        ok = stored ~= nil and stored ~= 'null' and cjson.decode(stored) == category
      end
      if ok then
        local m = #items + 1
        items[m], unread[m], unseen[m], archived[m] = raw, r[j], s[j], a[j]
        if m > limit then break end
      end
    end
  end
  if #ids < chunk then break end
end
local more = 0
if #items > limit then
  more = 1
  items[#items], unread[#unread], unseen[#unseen], archived[#archived] = nil, nil, nil, nil
end
return {items, unread, unseen, archived, more, feedCounts(KEYS[1], KEYS[3], KEYS[4], KEYS[5])}
`;

/** KEYS: ids, unread, unseen, archived. Returns {total, unseen, unread, archived}. */
export const COUNTS_SCRIPT = `${COUNTS}
return feedCounts(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
`;

/** KEYS: each recipient's change counter. Returns them in order (nil for none). */
export const VERSIONS_SCRIPT = `
local out = {}
for i = 1, #KEYS, 1000 do
  local values = redis.call('MGET', unpack(KEYS, i, math.min(i + 999, #KEYS)))
  for _, value in ipairs(values) do out[#out + 1] = value or '0' end
end
return out
`;

/**
 * What streams read to catch up, for any number of recipients in one atomic step (one round trip
 * for every stream a poll woke). KEYS: per recipient ids, data, unread, unseen, archived, seq,
 * ver, epoch. ARGV: per recipient after, limit. Returns per recipient {itemJsons, unreadFlags,
 * unseenFlags, archivedFlags, more, counts, seq, version, "e" .. epoch}, items oldest first.
 */
export const SINCE_SCRIPT = `${COUNTS}
local out = {}
for n = 1, #ARGV / 2 do
  local k = (n - 1) * 8
  local limit = tonumber(ARGV[2 * n])
  local ids = redis.call('ZRANGEBYSCORE', KEYS[k + 1], '(' .. ARGV[2 * n - 1], '+inf', 'LIMIT', 0, limit + 1)
  local more = 0
  if #ids > limit then
    more = 1
    ids[#ids] = nil
  end
  local items, r, s, a = {}, {}, {}, {}
  if #ids > 0 then
    items = redis.call('HMGET', KEYS[k + 2], unpack(ids))
    r = redis.call('SMISMEMBER', KEYS[k + 3], unpack(ids))
    s = redis.call('SMISMEMBER', KEYS[k + 4], unpack(ids))
    a = redis.call('SMISMEMBER', KEYS[k + 5], unpack(ids))
  end
  out[n] = {items, r, s, a, more, feedCounts(KEYS[k + 1], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5]),
    redis.call('GET', KEYS[k + 6]) or '0', redis.call('GET', KEYS[k + 7]) or '0', 'e' .. (redis.call('GET', KEYS[k + 8]) or '')}
end
return out
`;
