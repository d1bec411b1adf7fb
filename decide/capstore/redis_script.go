package capstore

// reserveLua is applyBatch in Lua: one call applies a batch of
// reservations, each atomic on its own and all of them atomic together
// because Redis runs a script without interleaving other commands. Calls
// from Lua, and the hash lookups behind them, are what a script spends its
// time on, so it reads and writes each hash (the lifetime counters, each
// window, each campaign's ledger) with an HMGET or two and one HSET, and
// sets each window's TTL once, whatever the number of counters.
//
// KEYS: the lifetime counters, the window registry, the nl ledgers (one
// per campaign), then the nw windows (see the package doc).
// ARGV: now (ms); the tables, as one MessagePack array: nl, nw, nt, nk,
// nr, ng, the registry name of each window, nt pairs (window, deadline),
// one per distinct Expire of the batch, and ng pairs (place, number of
// keys), one per group of keys (see below); the reservations' numbers, as
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
// The keys come grouped by the place the first reservation of each in the
// batch puts it (place 0 is the lifetime hash, place j window j); each
// group is read with one HMGET of consecutive arguments, and a key not
// found in its own place is looked for in every other live one. A counter
// stays where it is when a later reservation gives it another Expire: its
// deadline grows, in its window, or it moves to the lifetime hash,
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
local nl, nw, nt, nk, nr, ng = h[1], h[2], h[3], h[4], h[5], h[6]
local kp, rp, wk = 3, 3 + nk, 2 + nl
local wname, wat, tw, td = {}, {}, {}, {}
local p = 7
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
local gp = p - 1

local strs = {}
local function str(x)
  local s
  if x < 1e14 and x > -1e14 then s = tostring(x) else s = string.format('%d', x) end
  strs[x] = s
  return s
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
-- was found in. The keys come in groups, one per place: each group is
-- looked for first where the first reservation of its keys in the batch
-- puts them, which is where a key that always comes with the same Expire,
-- as decide's keys do, is. A key not found there is looked for in every
-- other place that can hold it, because a key given another Expire before
-- is the same counter.
local val, dl, at, from = {}, {}, {}, {}
for i = 1, nk do val[i], dl[i] = 0, -1 end
local function live(j) return j == 0 or not H[j] or H[j] > now end
local cread = false

-- read takes counter i from v, its value in place j, and reports whether
-- it is live there.
local function read(j, i, v)
  if j == 0 then
    local c = tonumber(v)
    if not c then error({err = 'counter ' .. ARGV[kp + i] .. ' holds ' .. v .. ', not a count'}) end
    val[i], dl[i], at[i] = c, 0, 0
    return true
  end
  local c, d
  local s = string.find(v, ':', 1, true)
  if s then c, d = tonumber(string.sub(v, 1, s - 1)), tonumber(string.sub(v, s + 1)) end
  if not (c and d) then error({err = 'counter ' .. ARGV[kp + i] .. ' holds ' .. v .. ', not a count'}) end
  if d <= now then return false end
  val[i], dl[i], at[i], from[i] = c, d, j, j
  return true
end

local function hash(j)
  if j == 0 then
    cread = true
    return KEYS[1]
  end
  return KEYS[wk + j]
end

local miss, nmiss, lo, hi = {}, 0, {}, {}
local first = 1
for g = 1, ng do
  local j, n = h[gp + 2 * g - 1], h[gp + 2 * g]
  local last = first + n - 1
  lo[j], hi[j] = first, last
  if n > 0 and live(j) then
    local got = redis.call('HMGET', hash(j), unpack(ARGV, kp + first, kp + last))
    for i = first, last do
      local v = got[i - first + 1]
      if not (v and read(j, i, v)) then
        nmiss = nmiss + 1
        miss[nmiss] = i
      end
    end
  else
    for i = first, last do
      nmiss = nmiss + 1
      miss[nmiss] = i
    end
  end
  first = last + 1
end
for j = 0, nw do
  if nmiss == 0 then break end
  if live(j) then
    local ask, names, nask, keep, nkeep = {}, {}, 0, {}, 0
    local l, u = lo[j] or 0, hi[j] or -1
    for x = 1, nmiss do
      local i = miss[x]
      if i >= l and i <= u then
        nkeep = nkeep + 1
        keep[nkeep] = i
      else
        nask = nask + 1
        ask[nask], names[nask] = i, ARGV[kp + i]
      end
    end
    if nask > 0 then
      local got = redis.call('HMGET', hash(j), unpack(names, 1, nask))
      for x = 1, nask do
        local v = got[x]
        if not (v and read(j, ask[x], v)) then
          nkeep = nkeep + 1
          keep[nkeep] = ask[x]
        end
      end
    end
    miss, nmiss = keep, nkeep
  end
end

-- The ledger entries of the batch, one HMGET per campaign.
local asked, ledger, fresh, nfresh = {}, {}, {}, {}
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
  ledger[li], fresh[li], nfresh[li] = m, {}, 0
end

-- A reservation's increments go into val as they are checked, and come
-- out again if one of them is refused. dirty lists the counters to write,
-- once each.
local out, dirty, isdirty, nd = {1, false}, {}, {}, 0
p = 1
for r = 1, nr do
  local li, m = a[p], a[p + 1]
  local who = ARGV[rp + r]
  local first, last = p + 2, p + 4 * m - 2
  p = last + 4
  local lg = ledger[li]
  local prev = lg[who]
  if prev then
    out[r + 2] = prev
  else
    local bad
    for q = first, last, 4 do
      local k = a[q]
      local v = val[k] + a[q + 2]
      val[k] = v
      if v > a[q + 1] or v < 0 then
        if not bad then bad = {} end
        bad[#bad + 1] = q
      end
    end
    if bad then
      for q = first, last, 4 do
        local k = a[q]
        val[k] = val[k] - a[q + 2]
      end
      -- Each refusing key once, at the entry that first refused it.
      local refused, seen = {}, {}
      for x = 1, #bad do
        local k = a[bad[x]]
        if not seen[k] then
          seen[k] = true
          refused[#refused + 1] = (bad[x] - first) / 4
        end
      end
      out[r + 2] = refused
    else
      for q = first, last, 4 do
        local k, t = a[q], a[q + 3]
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
        for q = first, last, 4 do
          local k = a[q]
          local d = dl[k]
          if d > 0 and d <= now then
            val[k], dl[k], at[k] = 0, -1, nil
          end
        end
      end
      local rec = ARGV[rp + nr + r]
      lg[who] = rec
      local f, n = fresh[li], nfresh[li]
      f[n + 1], f[n + 2] = who, rec
      nfresh[li] = n + 2
      out[r + 2] = 0
    end
  end
end

-- Writes. Every hash written is read first, so that no write fails for
-- a wrong type after the first one; a window whose deadline has passed is
-- unlinked, so that Redis frees it in the background rather than when its
-- TTL fires.
if not cread and nd > 0 then redis.call('HLEN', KEYS[1]) end
for j = 1, nw do
  if H[j] and H[j] <= now then
    redis.call('UNLINK', KEYS[wk + j])
    H[j] = nil
  end
end
for li, f in pairs(fresh) do
  if nfresh[li] > 0 then redis.call('HSET', KEYS[2 + li], unpack(f, 1, nfresh[li])) end
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
