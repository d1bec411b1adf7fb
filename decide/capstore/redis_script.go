package capstore

// reserveLua is applyBatch in Lua: one call applies a batch of
// reservations, each atomic on its own and all of them atomic together
// because Redis runs a script without interleaving other commands. Calls
// from Lua, and the hash lookups behind them, are what a script spends its
// time on, so it reads with one HMGET per hash (lifetime counters, each
// window, each campaign's ledger) and writes with one HSET per hash and
// one PEXPIRE per window, whatever the number of counters.
//
// KEYS: the lifetime counters, the window registry, the nl ledgers (one
// per campaign), then the nw windows (see the package doc).
// ARGV: now (ms); the tables, as one MessagePack array: nl, nw, nt, nk,
// nr, the registry name of each window, and nt pairs (window, deadline),
// one per distinct Expire of the batch; the reservations' numbers, as
// another: per reservation the ledger index and its number of counters m,
// then m times: counter key index, limit, n, Expire index (0 = lifetime);
// then the nk distinct counter keys, the nr recipients and the nr records.
// Numbers are packed because one argument costs the server less to take in
// than thousands; strings are not, because Lua hashes every byte of every
// string it is given, and a string inside a packed argument is hashed
// twice (as part of the argument, and again when unpacked).
//
// Every key the script touches must be in KEYS (Redis Cluster checks it),
// and a counter may be in any live window whatever Expire a caller gives
// it now, so the caller passes every window it knows of; if the registry
// names one it did not pass, the script changes nothing and returns
// {0, registry} for the caller to retry. Otherwise it returns
// {1, registry, outcomes...}, an outcome per reservation: 0 (committed),
// the recorded bytes (replayed), or the 0-based positions of the refusing
// counters (exhausted).
//
// A counter lives in one place: a field of the lifetime hash ("N"), or a
// field of one window ("N:DEADLINE", read as 0 once now reaches DEADLINE).
// It stays where it is when a later reservation gives it another Expire:
// its deadline grows, in its window, or it moves to the lifetime hash,
// because a lifetime counter is never dropped.
//
// Redis does not undo a script that fails half-way, so every read and
// check comes before the first write, every hash written is read (or
// UNLINKed) first, and no write after the first can fail: HSET, HDEL and
// PEXPIRE fail only on a wrong type (ruled out by the reads) or when the
// server refuses writes (out of memory, a read-only replica, a failing
// disk), which Redis decides before a script's first write and never after
// it.
//
// Lua numbers are doubles: counts, limits and deadlines are exact up to
// 2^53. str writes a number without string.format while "%.14g", which
// Lua uses to turn numbers into strings, still prints it whole, and
// remembers what it wrote: most counters of a batch hold the same few
// values.
const reserveLua = `
local now = tonumber(ARGV[1])
local h = cmsgpack.unpack(ARGV[2])
local a = cmsgpack.unpack(ARGV[3])
local nl, nw, nt, nk, nr = h[1], h[2], h[3], h[4], h[5]
local kp, rp, wk = 3, 3 + nk, 2 + nl
local wname, wat, tw, td = {}, {}, {}, {}
local p = 6
for j = 1, nw do
  wname[j], wat[h[p]] = h[p], j
  p = p + 1
end
local dead = false
for t = 1, nt do
  tw[t], td[t] = h[p], h[p + 1]
  if td[t] <= now then dead = true end
  p = p + 2
end

local strs = {}
local function str(x)
  local s
  if x < 1e14 and x > -1e14 then s = tostring(x) else s = string.format('%d', x) end
  strs[x] = s
  return s
end
local function notcount(k, v)
  return redis.error_reply('counter ' .. k .. ' holds ' .. v .. ', not a count')
end

local reg = redis.call('HGETALL', KEYS[2])
local H, H0 = {}, {}
for i = 1, #reg, 2 do
  local j = wat[reg[i]]
  if not j then
    local names = {}
    for x = 1, #reg, 2 do names[#names + 1] = reg[x] end
    return {0, names}
  end
  H[j] = tonumber(reg[i + 1])
  H0[j] = H[j]
end

-- val, dl: a counter's value and deadline (0: lifetime, -1: none yet);
-- at: where it is (0: the lifetime hash, j: window j), from: the window it
-- was found in.
local val, dl, at, from = {}, {}, {}, {}
local miss, mname, nm = {}, {}, 0
if nk > 0 then
  local got = redis.call('HMGET', KEYS[1], unpack(ARGV, kp + 1, kp + nk))
  for i = 1, nk do
    local v = got[i]
    if v then
      local n = tonumber(v)
      if not n then return notcount(ARGV[kp + i], v) end
      val[i], dl[i], at[i] = n, 0, 0
    else
      val[i], dl[i] = 0, -1
      nm = nm + 1
      miss[nm], mname[nm] = i, ARGV[kp + i]
    end
  end
end
for j = 1, nw do
  local key = KEYS[wk + j]
  if H[j] and H[j] <= now then
    -- Every counter of the window is past its deadline; it is unlinked below.
  elseif nm == 0 then
    redis.call('HLEN', key)
  else
    local got = redis.call('HMGET', key, unpack(mname, 1, nm))
    local left, lname, nl2 = {}, {}, 0
    for x = 1, nm do
      local v, i = got[x], miss[x]
      local n, d
      if v then
        local c = string.find(v, ':', 1, true)
        if c then n, d = tonumber(string.sub(v, 1, c - 1)), tonumber(string.sub(v, c + 1)) end
        if not (n and d) then return notcount(mname[x], v) end
      end
      if d and d > now then
        val[i], dl[i], at[i], from[i] = n, d, j, j
      else
        nl2 = nl2 + 1
        left[nl2], lname[nl2] = i, mname[x]
      end
    end
    miss, mname, nm = left, lname, nl2
  end
end

-- The ledger entries of the batch, one HMGET per campaign.
local asked, ledger, fresh = {}, {}, {}
p = 1
for r = 1, nr do
  local li = a[p]
  local l = asked[li]
  if not l then l = {}; asked[li] = l end
  l[#l + 1] = ARGV[rp + r]
  p = p + 2 + 4 * a[p + 1]
end
for li, l in pairs(asked) do
  local got = redis.call('HMGET', KEYS[2 + li], unpack(l))
  local m = {}
  for i = 1, #l do
    if got[i] then m[l[i]] = got[i] end
  end
  ledger[li], fresh[li] = m, {}
end

-- add holds one reservation's increments; it is emptied after each
-- reservation rather than allocated anew. dirty lists the counters to
-- write, once each.
local out, add, dirty, isdirty, nd = {1, false}, {}, {}, {}, 0
p = 1
for r = 1, nr do
  local li, m = a[p], a[p + 1]
  local who = ARGV[rp + r]
  p = p + 2
  local prev = ledger[li][who]
  if prev then
    out[r + 2] = prev
  else
    local bad, refused
    for q = p, p + 4 * m - 4, 4 do
      local k = a[q]
      local s = (add[k] or 0) + a[q + 2]
      add[k] = s
      if val[k] + s > a[q + 1] then
        bad, refused = bad or {}, refused or {}
        if not refused[k] then
          refused[k] = true
          bad[#bad + 1] = (q - p) / 4
        end
      end
    end
    if bad then
      for q = p, p + 4 * m - 4, 4 do add[a[q]] = nil end
      out[r + 2] = bad
    else
      for q = p, p + 4 * m - 4, 4 do
        local k, t = a[q], a[q + 3]
        local s = add[k]
        if s then
          val[k] = val[k] + s
          add[k] = nil
        end
        local have = dl[k]
        if t == 0 then
          dl[k], at[k] = 0, 0
        elseif have == -1 then
          dl[k], at[k] = td[t], tw[t]
        elseif have ~= 0 and td[t] > have then
          dl[k] = td[t]
        end
        if not isdirty[k] then
          isdirty[k] = true
          nd = nd + 1
          dirty[nd] = k
        end
      end
      -- A counter written past its deadline (no retention, a window that
      -- has ended) is gone at once, as applyBatch's next read finds it.
      if dead then
        for q = p, p + 4 * m - 4, 4 do
          local k = a[q]
          local d = dl[k]
          if d > 0 and d <= now then
            val[k], dl[k], at[k] = 0, -1, nil
          end
        end
      end
      ledger[li][who] = ARGV[rp + nr + r]
      local f = fresh[li]
      f[#f + 1] = who
      f[#f + 1] = ARGV[rp + nr + r]
      out[r + 2] = 0
    end
  end
  p = p + 4 * m
end

-- Writes. A window whose deadline has passed is unlinked, so that Redis
-- frees it in the background rather than when its TTL fires.
for j = 1, nw do
  if H[j] and H[j] <= now then
    redis.call('UNLINK', KEYS[wk + j])
    H[j] = nil
  end
end
for li, f in pairs(fresh) do
  if #f > 0 then redis.call('HSET', KEYS[2 + li], unpack(f)) end
end
-- vals[d] holds the "N:DEADLINE" strings made for deadline d: most
-- counters of a batch hold the same few values.
local life, nlife, win, gone, vals = {}, 0, {}, {}, {}
for x = 1, nd do
  local k = dirty[x]
  local j, name = at[k], ARGV[kp + k]
  if j == 0 then
    local v = val[k]
    life[nlife + 1], life[nlife + 2] = name, strs[v] or str(v)
    nlife = nlife + 2
    -- A windowed counter that became a lifetime counter leaves its window.
    local f = from[k]
    if f then
      local g = gone[f]
      if not g then g = {}; gone[f] = g end
      g[#g + 1] = name
    end
  elseif j then
    local w = win[j]
    if not w then w = {}; win[j] = w end
    local v, d = val[k], dl[k]
    local vd = vals[d]
    if not vd then vd = {}; vals[d] = vd end
    local s = vd[v]
    if not s then
      s = (strs[v] or str(v)) .. ':' .. (strs[d] or str(d))
      vd[v] = s
    end
    w[#w + 1] = name
    w[#w + 1] = s
    if not H[j] or d > H[j] then H[j] = d end
  end
end
if nlife > 0 then redis.call('HSET', KEYS[1], unpack(life, 1, nlife)) end
for j, g in pairs(gone) do redis.call('HDEL', KEYS[wk + j], unpack(g)) end
local regset, regdel, names = {}, {}, {}
for j = 1, nw do
  local w = win[j]
  if w then
    redis.call('HSET', KEYS[wk + j], unpack(w))
    redis.call('PEXPIRE', KEYS[wk + j], str(H[j] - now))
  end
  if H[j] then
    names[#names + 1] = wname[j]
    if H[j] ~= H0[j] then
      regset[#regset + 1] = wname[j]
      regset[#regset + 1] = str(H[j])
    end
  elseif H0[j] then
    regdel[#regdel + 1] = wname[j]
  end
end
if #regset > 0 then redis.call('HSET', KEYS[2], unpack(regset)) end
if #regdel > 0 then redis.call('HDEL', KEYS[2], unpack(regdel)) end
out[2] = names
return out
`
