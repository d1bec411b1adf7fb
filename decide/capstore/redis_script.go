package capstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/offermail/offermail/decide"
)

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
// ARGV: now (ms), nc, number of reservations, then per reservation:
// ledger hash index, recipient, record, number of counters m, and m times:
// counter key index, limit, n, deadline (ms, 0 = lifetime).
//
// A counter is a string "N" (lifetime) or "N:DEADLINE" with a PX expiry of
// DEADLINE-now; it reads as 0 once now reaches DEADLINE. The reply has one
// entry per reservation: 0 (committed), the recorded bytes (replayed), or
// the 0-based positions of the refusing counters (exhausted).
const reserveLua = `
local now = tonumber(ARGV[1])
local nc = tonumber(ARGV[2])
local nr = tonumber(ARGV[3])

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
local p = 4
for r = 1, nr do
  local li = tonumber(ARGV[p])
  local l = asked[li]
  if not l then l = {}; asked[li] = l end
  l[#l + 1] = ARGV[p + 1]
  p = p + 4 + 4 * tonumber(ARGV[p + 3])
end
for li, l in pairs(asked) do
  local got = redis.call('HMGET', KEYS[nc + li], unpack(l))
  local m = {}
  for i = 1, #l do
    if got[i] then m[l[i]] = got[i] end
  end
  ledger[li], fresh[li] = m, {}
end

local out, add = {}, {}
p = 4
for r = 1, nr do
  local li, who, rec, m = tonumber(ARGV[p]), ARGV[p + 1], ARGV[p + 2], tonumber(ARGV[p + 3])
  p = p + 4
  local prev = ledger[li][who]
  if prev then
    out[r] = prev
  else
    -- add holds this reservation's increments; it is emptied again
    -- below rather than allocated per reservation.
    local bad, refused
    for j = 0, m - 1 do
      local q = p + 4 * j
      local k = tonumber(ARGV[q])
      local a = (add[k] or 0) + tonumber(ARGV[q + 2])
      add[k] = a
      if val[k] + a > tonumber(ARGV[q + 1]) then
        bad, refused = bad or {}, refused or {}
        if not refused[k] then
          refused[k] = true
          bad[#bad + 1] = j
        end
      end
    end
    if bad then
      for j = 0, m - 1 do add[tonumber(ARGV[p + 4 * j])] = nil end
      out[r] = bad
    else
      for j = 0, m - 1 do
        local q = p + 4 * j
        local k, d = tonumber(ARGV[q]), tonumber(ARGV[q + 3])
        local a = add[k]
        if a then
          val[k] = val[k] + a
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
    life[#life + 1] = string.format('%d', val[k])
  elseif d > now then
    redis.call('SET', KEYS[k], string.format('%d:%d', val[k], d), 'PX', string.format('%d', d - now))
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
    local a, b = string.match(v, '^(%-?%d+):?(%d*)$')
    if not a then
      return redis.error_reply('counter ' .. KEYS[i] .. ' holds ' .. v .. ', not a count')
    end
    n, d = tonumber(a), tonumber(b) or 0
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

// Bounds of one script call. Lua's unpack, used to pass the keys of MGET,
// HMGET, HSET and MSET, fails beyond about 8000 values; distinct counters
// (two MSET values each) and reservations (two HSET values each) stay well
// below it.
const (
	maxCallCounters     = 3000
	maxCallReservations = 2000
)

// scriptCall is the KEYS and ARGV of one reserveLua call.
type scriptCall struct {
	ns       string
	counters []string // prefixed keys, in KEYS order
	ledgers  []string
	cIndex   map[string]int // counter key → 1-based index
	lIndex   map[string]int // campaign → 1-based index among ledgers
	args     []any
}

func newScriptCall(ns string, now int64, n int) *scriptCall {
	c := &scriptCall{
		ns:     ns,
		cIndex: make(map[string]int, n*3),
		lIndex: make(map[string]int, 1),
		args:   make([]any, 3, 3+n*16),
	}
	c.args[0] = now
	return c
}

func (c *scriptCall) add(r *decide.Reservation, now, retain int64) {
	li, ok := c.lIndex[r.Campaign]
	if !ok {
		c.ledgers = append(c.ledgers, ledgerKey(c.ns, r.Campaign))
		li = len(c.ledgers)
		c.lIndex[r.Campaign] = li
	}
	c.args = append(c.args, li, r.Recipient, r.Record, len(r.Counters))
	for _, k := range r.Counters {
		ki, ok := c.cIndex[k.Key]
		if !ok {
			c.counters = append(c.counters, counterKey(c.ns, k.Key))
			ki = len(c.counters)
			c.cIndex[k.Key] = ki
		}
		c.args = append(c.args, ki, k.Limit, k.N, deadlineOf(k.Expire, now, retain))
	}
}

// finish returns KEYS and ARGV for nr reservations.
func (c *scriptCall) finish(nr int) (keys []string, args []any) {
	c.args[1] = len(c.counters)
	c.args[2] = nr
	return append(c.counters, c.ledgers...), c.args
}

// decodeReply turns the script's reply into outcomes for rs.
func decodeReply(reply any, rs []decide.Reservation, out []decide.Outcome) error {
	items, ok := reply.([]any)
	if !ok || len(items) != len(rs) {
		return fmt.Errorf("reserve script: unexpected reply %T of %d items for %d reservations", reply, len(items), len(rs))
	}
	for i, it := range items {
		switch v := it.(type) {
		case int64:
			out[i] = decide.Outcome{Status: decide.Committed}
		case string:
			out[i] = decide.Outcome{Status: decide.Replayed, Record: []byte(v)}
		case []any:
			keys := make([]string, 0, len(v))
			for _, p := range v {
				j, ok := p.(int64)
				if !ok || j < 0 || int(j) >= len(rs[i].Counters) {
					return fmt.Errorf("reserve script: bad counter position %v", p)
				}
				keys = append(keys, rs[i].Counters[j].Key)
			}
			out[i] = decide.Outcome{Status: decide.Exhausted, Exhausted: keys}
		default:
			return fmt.Errorf("reserve script: unexpected reply item %T", it)
		}
	}
	return nil
}

func counterKey(ns, key string) string { return "{" + ns + "}:c:" + key }

func ledgerKey(ns, campaign string) string { return "{" + ns + "}:l:" + campaign }

// parseRedisCounter reads a counter as the scripts write it.
func parseRedisCounter(v string) (counter, error) {
	n, d, hasDeadline := strings.Cut(v, ":")
	c := counter{}
	var err error
	if c.n, err = strconv.ParseInt(n, 10, 64); err != nil {
		return counter{}, fmt.Errorf("counter value %q: %w", v, err)
	}
	if hasDeadline {
		if c.deadline, err = strconv.ParseInt(d, 10, 64); err != nil {
			return counter{}, fmt.Errorf("counter value %q: %w", v, err)
		}
	}
	return c, nil
}
