"""The Lua script of the Redis backend. It runs atomically inside Redis, so every worker and replica sees
one consistent state. One call first applies the settlements this worker has queued since its last call
(requests that ended), then checks and takes a new request's limits: one round trip per request, with
settlements riding along (or flushed alone after a short idle delay). Time comes from Redis (`TIME`), so
worker clocks do not matter. The arithmetic mirrors `window.py` and `memory.py`.

Keys and arguments are read in order (a cursor over KEYS and ARGV):

    ARGV: #settlements, then per settlement: entry id, #rates, #slots, #holds, per rate: token delta,
          per hold: spent nano-USD, budget TTL (s);
          then 1 and an admission: entry id, #rates, #slots, #holds, in-flight TTL (ms), per rate:
          limit, window (ms), cost; per slot: limit; per hold: limit, amount, budget TTL (s) -- or 0.
    KEYS: per rate a sorted set of entry ids by time, a hash of their units and their running sum; per
          slot set a sorted set of entry ids by expiry; per budget a hash (s: spent, r: reserved), a
          sorted set of reservation ids by expiry and a hash of their amounts (a reservation of a worker
          that vanished before settling expires after the in-flight TTL, like a concurrency slot).

Returns {1} for a flush, else {allowed, denied index (0-based over rates, slots, holds; -1),
retry_after_ms (-1: never), per rate: remaining, reset_ms, per hold: spent, reserved}.
"""

from __future__ import annotations

SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ki, ai = 0, 0
local function key() ki = ki + 1; return KEYS[ki] end
local function arg() ai = ai + 1; return ARGV[ai] end
local function num() return tonumber(arg()) end

local function expire_log(z, w, s, cutoff)
  while true do
    local old = redis.call('ZRANGEBYSCORE', z, '-inf', cutoff, 'LIMIT', 0, 500)
    if #old == 0 then return end
    local units = redis.call('HMGET', w, unpack(old))
    local sub = 0
    for _, u in ipairs(units) do sub = sub + (tonumber(u) or 0) end
    redis.call('ZREM', z, unpack(old))
    redis.call('HDEL', w, unpack(old))
    redis.call('DECRBY', s, sub)
  end
end

local function expire_holds(k, rz, ra)
  while true do
    local old = redis.call('ZRANGEBYSCORE', rz, '-inf', now, 'LIMIT', 0, 500)
    if #old == 0 then return end
    local amounts = redis.call('HMGET', ra, unpack(old))
    local sub = 0
    for _, v in ipairs(amounts) do sub = sub + (tonumber(v) or 0) end
    redis.call('ZREM', rz, unpack(old))
    redis.call('HDEL', ra, unpack(old))
    if redis.call('HINCRBY', k, 'r', -sub) < 0 then redis.call('HSET', k, 'r', 0) end
  end
end

-- 1. settlements of requests that ended
for _ = 1, num() do
  local rid = arg()
  local nr, ns, nh = num(), num(), num()
  for _ = 1, nr do
    local _z, w, s = key(), key(), key()
    local delta = num()
    if delta ~= 0 then
      local units = tonumber(redis.call('HGET', w, rid) or 'nil')
      if units then
        local new = math.max(units + delta, 0)
        redis.call('HSET', w, rid, new)
        redis.call('INCRBY', s, new - units)
      end
    end
  end
  for _ = 1, ns do redis.call('ZREM', key(), rid) end
  for _ = 1, nh do
    local k, rz, ra = key(), key(), key()
    local spent, expire = num(), num()
    local amount = tonumber(redis.call('HGET', ra, rid) or '0')  -- 0: it already expired
    if amount > 0 then
      redis.call('HDEL', ra, rid)
      redis.call('ZREM', rz, rid)
      if redis.call('HINCRBY', k, 'r', -amount) < 0 then redis.call('HSET', k, 'r', 0) end
    end
    if spent > 0 then redis.call('HINCRBY', k, 's', spent) end
    if expire > 0 then
      for _, x in ipairs({k, rz, ra}) do redis.call('EXPIRE', x, expire) end
    end
  end
end
if num() == 0 then return {1} end

-- 2. admission: check everything, then take everything (or nothing)
local rid = arg()
local nr, ns, nh, ttl = num(), num(), num(), num()
local out = {1, -1, -1}
local function deny(index, retry)
  if out[1] == 1 then out[1] = 0; out[2] = index; out[3] = retry end
end
local rates, slots, holds = {}, {}, {}
for i = 1, nr do
  local r = {z = key(), w = key(), s = key(), limit = num(), window = num(), cost = num()}
  rates[i] = r
  expire_log(r.z, r.w, r.s, now - r.window)
  local total = tonumber(redis.call('GET', r.s) or '0')
  if total + r.cost <= r.limit then
    out[#out + 1] = r.limit - total - r.cost
    out[#out + 1] = r.window
  else
    local newest = redis.call('ZRANGE', r.z, -1, -1, 'WITHSCORES')
    out[#out + 1] = math.max(r.limit - total, 0)
    out[#out + 1] = newest[2] and math.ceil(tonumber(newest[2]) + r.window - now) or 0
    if r.cost > r.limit then
      deny(i - 1, -1)
    else
      local need, freed, retry, start = total + r.cost - r.limit, 0, 1, 0
      while freed < need do
        local batch = redis.call('ZRANGE', r.z, start, start + 199, 'WITHSCORES')
        if #batch == 0 then break end
        local ids = {}
        for k = 1, #batch, 2 do ids[#ids + 1] = batch[k] end
        local units = redis.call('HMGET', r.w, unpack(ids))
        for k = 1, #ids do
          freed = freed + (tonumber(units[k]) or 0)
          if freed >= need then retry = tonumber(batch[2 * k]) + r.window - now; break end
        end
        start = start + 200
      end
      deny(i - 1, math.max(math.ceil(retry), 1))
    end
  end
end
for j = 1, ns do
  local sl = {k = key(), limit = num()}
  slots[j] = sl
  redis.call('ZREMRANGEBYSCORE', sl.k, '-inf', now)
  if redis.call('ZCARD', sl.k) >= sl.limit then deny(nr + j - 1, 1000) end
end
for h = 1, nh do
  local b = {k = key(), rz = key(), ra = key(), limit = num(), amount = num(), expire = num()}
  holds[h] = b
  expire_holds(b.k, b.rz, b.ra)
  local v = redis.call('HMGET', b.k, 's', 'r')
  local spent, reserved = tonumber(v[1] or '0'), tonumber(v[2] or '0')
  out[#out + 1] = spent
  out[#out + 1] = reserved
  if spent + reserved + b.amount > b.limit then deny(nr + ns + h - 1, -1) end
end
if out[1] == 0 then return out end
for _, r in ipairs(rates) do
  redis.call('ZADD', r.z, now, rid)
  redis.call('HSET', r.w, rid, r.cost)
  redis.call('INCRBY', r.s, r.cost)
  for _, k in ipairs({r.z, r.w, r.s}) do redis.call('PEXPIRE', k, r.window + 60000) end
end
for _, sl in ipairs(slots) do
  redis.call('ZADD', sl.k, now + ttl, rid)
  redis.call('PEXPIRE', sl.k, math.ceil(ttl))
end
for _, b in ipairs(holds) do
  redis.call('HINCRBY', b.k, 'r', b.amount)
  redis.call('ZADD', b.rz, now + ttl, rid)
  redis.call('HSET', b.ra, rid, b.amount)
  if b.expire > 0 then  -- the reservation records live exactly as long as the budget they belong to
    for _, k in ipairs({b.k, b.rz, b.ra}) do redis.call('EXPIRE', k, b.expire) end
  end
end
return out
"""
