package capstore

// reserveLua is applyBatch in Lua: one call applies a batch of
// reservations, each atomic on its own and all of them atomic together
// because Redis runs a script without interleaving other commands. It
// reads every counter and ledger entry with one MGET and one HMGET per
// campaign, decides in Lua, and writes with one HSET per campaign, one MSET
// for lifetime counters and one SET … PX per windowed counter: calls from
// Lua, not the arithmetic, are what a script spends its time on.
//
// KEYS: the distinct counter keys of the batch (nc of them), then the
// distinct ledger hashes (one per campaign).
// ARGV: now (ms), nc, the number of reservations, and the reservations as
// one MessagePack array (see scriptCall) holding, per reservation: ledger
// hash index, recipient, record, number of counters m, and m times: counter
// key index, limit, n, deadline (ms, 0 = lifetime). One packed argument
// instead of thousands saves the server most of the cost of taking them in.
//
// A counter is a string "N" (lifetime) or "N:DEADLINE" with a PX expiry of
// DEADLINE-now; it reads as 0 once now reaches DEADLINE. The reply has one
// entry per reservation: 0 (committed), the recorded bytes (replayed), or
// the 0-based positions of the refusing counters (exhausted).
//
// Redis does not undo a script that fails half-way, so every read and
// check comes before the first write, and no write after the first can
// fail: HSET, SET and MSET fail only on a wrong type (ruled out by the
// HMGET before them) or when the server refuses writes (out of memory, a
// read-only replica, a failing disk), which Redis decides before a
// script's first write and never after it.
//
// Lua numbers are doubles: counts, limits and deadlines are exact up to
// 2^53. num writes a number without string.format while "%.14g", which
// Lua uses to turn numbers into strings, still prints it whole.
const reserveLua = `
local function num(x)
  if x < 1e14 and x > -1e14 then return x end
  return string.format('%d', x)
end

local now = tonumber(ARGV[1])
local nc = tonumber(ARGV[2])
local nr = tonumber(ARGV[3])
local a = cmsgpack.unpack(ARGV[4])

local val, dl, dirty = {}, {}, {}
if nc > 0 then
  local cur = redis.call('MGET', unpack(KEYS, 1, nc))
  for i = 1, nc do
    local n, d = 0, -1
    local v = cur[i]
    if v then
      n, d = tonumber(v), 0
      if not n then
        local c = string.find(v, ':', 1, true)
        if c then n, d = tonumber(string.sub(v, 1, c - 1)), tonumber(string.sub(v, c + 1)) end
        if not (n and d) then
          return redis.error_reply('counter ' .. KEYS[i] .. ' holds ' .. v .. ', not a count')
        end
      end
      if d ~= 0 and d <= now then n, d = 0, -1 end
    end
    val[i], dl[i] = n, d
  end
end

-- The ledger entries of the batch, one HMGET per campaign.
local asked, ledger, fresh = {}, {}, {}
local p = 1
for r = 1, nr do
  local li = a[p]
  local l = asked[li]
  if not l then l = {}; asked[li] = l end
  l[#l + 1] = a[p + 1]
  p = p + 4 + 4 * a[p + 3]
end
for li, l in pairs(asked) do
  local got = redis.call('HMGET', KEYS[nc + li], unpack(l))
  local m = {}
  for i = 1, #l do
    if got[i] then m[l[i]] = got[i] end
  end
  ledger[li], fresh[li] = m, {}
end

-- add holds one reservation's increments; it is emptied after each
-- reservation rather than allocated anew.
local out, add = {}, {}
p = 1
for r = 1, nr do
  local li, who, rec, m = a[p], a[p + 1], a[p + 2], a[p + 3]
  p = p + 4
  local prev = ledger[li][who]
  if prev then
    out[r] = prev
  else
    local bad, refused
    for j = 0, m - 1 do
      local q = p + 4 * j
      local k = a[q]
      local s = (add[k] or 0) + a[q + 2]
      add[k] = s
      if val[k] + s > a[q + 1] then
        bad, refused = bad or {}, refused or {}
        if not refused[k] then
          refused[k] = true
          bad[#bad + 1] = j
        end
      end
    end
    if bad then
      for j = 0, m - 1 do add[a[p + 4 * j]] = nil end
      out[r] = bad
    else
      for j = 0, m - 1 do
        local q = p + 4 * j
        local k, d = a[q], a[q + 3]
        local s = add[k]
        if s then
          val[k] = val[k] + s
          add[k] = nil
        end
        if dl[k] == 0 or d == 0 then dl[k] = 0 elseif d > dl[k] then dl[k] = d end
        dirty[k] = true
      end
      ledger[li][who] = rec
      local f = fresh[li]
      f[#f + 1] = who
      f[#f + 1] = rec
      out[r] = 0
    end
  end
  p = p + 4 * m
end

for li, f in pairs(fresh) do
  if #f > 0 then redis.call('HSET', KEYS[nc + li], unpack(f)) end
end
local life = {}
for k in pairs(dirty) do
  local d = dl[k]
  if d == 0 then
    life[#life + 1] = KEYS[k]
    life[#life + 1] = num(val[k])
  elseif d > now then
    redis.call('SET', KEYS[k], num(val[k]) .. ':' .. num(d), 'PX', num(d - now))
  else
    redis.call('DEL', KEYS[k])
  end
end
if #life > 0 then redis.call('MSET', unpack(life)) end
return out
`

// addLua adds ARGV[i+1] to KEYS[i] without a limit, as applyDelta does.
const addLua = `
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local n, d = 0, 0
  local v = redis.call('GET', KEYS[i])
  if v then
    n = tonumber(v)
    if not n then
      local c = string.find(v, ':', 1, true)
      if c then n, d = tonumber(string.sub(v, 1, c - 1)), tonumber(string.sub(v, c + 1)) end
      if not (n and d) then
        return redis.error_reply('counter ' .. KEYS[i] .. ' holds ' .. v .. ', not a count')
      end
    end
    if d ~= 0 and d <= now then n, d = 0, 0 end
  end
  n = n + tonumber(ARGV[i + 1])
  if d == 0 then
    redis.call('SET', KEYS[i], string.format('%d', n))
  else
    redis.call('SET', KEYS[i], string.format('%d:%d', n, d), 'PX', string.format('%d', d - now))
  end
end
return 0
`
