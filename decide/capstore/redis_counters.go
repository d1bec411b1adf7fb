package capstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/offermail/offermail/decide"
)

// windowsLua is the start of countsLua and addLua. They are given counter
// keys without an Expire, so a counter may be in the lifetime hash or in
// any window: live holds the windows whose registry deadline is still
// ahead, the only ones that can hold a live counter. The windows are
// passed in KEYS (after the lifetime hash and the registry) for the reason
// given in reserveLua, and an incomplete list is refused the same way.
//
// find looks up the counter keys ARGV[first], ARGV[first+2]… (every step)
// and fills val, dl (0: lifetime, -1: none) and at (0: lifetime hash, or
// the window's index in KEYS).
const windowsLua = `
local now = tonumber(ARGV[1])
local reg = redis.call('HGETALL', KEYS[2])
local prefix = #KEYS[2] + 2
local passed, names, live = {}, {}, {}
for j = 3, #KEYS do passed[string.sub(KEYS[j], prefix)] = j end
local stale = false
for i = 1, #reg, 2 do
  names[#names + 1] = reg[i]
  local j = passed[reg[i]]
  if not j then stale = true
  elseif tonumber(reg[i + 1]) > now then live[#live + 1] = j end
end

local function bad(k, v)
  return redis.error_reply('counter ' .. k .. ' holds ' .. v .. ', not a count')
end

local function find(keys, val, dl, at)
  if #keys == 0 then return nil end
  local got = redis.call('HMGET', KEYS[1], unpack(keys))
  local miss = {}
  for i = 1, #keys do
    local v = got[i]
    if v then
      val[i], dl[i], at[i] = tonumber(v), 0, 0
      if not val[i] then return bad(keys[i], v) end
    else
      val[i], dl[i] = 0, -1
      miss[#miss + 1] = i
    end
  end
  for _, j in ipairs(live) do
    if #miss == 0 then break end
    local f = {}
    for x = 1, #miss do f[x] = keys[miss[x]] end
    got = redis.call('HMGET', KEYS[j], unpack(f))
    local left = {}
    for x = 1, #miss do
      local v, i = got[x], miss[x]
      local n, d
      if v then
        local c = string.find(v, ':', 1, true)
        if c then n, d = tonumber(string.sub(v, 1, c - 1)), tonumber(string.sub(v, c + 1)) end
        if not (n and d) then return bad(f[x], v) end
      end
      if d and d > now then
        val[i], dl[i], at[i] = n, d, j
      else
        left[#left + 1] = i
      end
    end
    miss = left
  end
  return nil
end
`

// countsLua returns {1, registry, value of each ARGV[2…]}; see windowsLua.
const countsLua = windowsLua + `
if stale then return {0, names} end
local keys = {unpack(ARGV, 2)}
local val, dl, at = {}, {}, {}
local err = find(keys, val, dl, at)
if err then return err end
local out = {1, names}
for i = 1, #keys do out[i + 2] = string.format('%d', val[i]) end
return out
`

// addLua adds each ARGV[2i+1] to counter ARGV[2i] without a limit, as
// applyDelta does, and returns {1, registry}; see windowsLua.
const addLua = windowsLua + `
if stale then return {0, names} end
local keys, idx = {}, {}
for i = 2, #ARGV, 2 do
  if not idx[ARGV[i]] then
    keys[#keys + 1] = ARGV[i]
    idx[ARGV[i]] = #keys
  end
end
local val, dl, at = {}, {}, {}
local err = find(keys, val, dl, at)
if err then return err end
for i = 2, #ARGV, 2 do
  local k = idx[ARGV[i]]
  if dl[k] == -1 then dl[k], at[k] = 0, 0 end
  val[k] = val[k] + tonumber(ARGV[i + 1])
end
local life, win = {}, {}
for k = 1, #keys do
  local v = string.format('%d', val[k])
  if at[k] == 0 then
    life[#life + 1] = keys[k]
    life[#life + 1] = v
  else
    local w = win[at[k]]
    if not w then w = {}; win[at[k]] = w end
    w[#w + 1] = keys[k]
    w[#w + 1] = v .. ':' .. string.format('%d', dl[k])
  end
end
if #life > 0 then redis.call('HSET', KEYS[1], unpack(life)) end
for j, w in pairs(win) do redis.call('HSET', KEYS[j], unpack(w)) end
return {1, names}
`

// windowKeys returns the KEYS of countsLua and addLua.
func (s *Redis) windowKeys(windows []string) []string {
	keys := make([]string, 0, 2+len(windows))
	keys = append(keys, countersKey(s.cfg.namespace), registryKey(s.cfg.namespace))
	for _, w := range windows {
		keys = append(keys, windowKey(s.cfg.namespace, w))
	}
	return keys
}

// Counts implements decide.Store.
func (s *Redis) Counts(ctx context.Context, keys []string) ([]int64, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("counts: %w", ErrClosed)
	}
	out := make([]int64, 0, len(keys))
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), readChunk)]
		keys = keys[len(chunk):]
		vals, err := s.run(ctx, s.counts, func(windows []string) ([]string, []any) {
			args := make([]any, 1, 1+len(chunk))
			args[0] = s.cfg.nowMillis()
			for _, k := range chunk {
				args = append(args, k)
			}
			return s.windowKeys(windows), args
		})
		if err != nil {
			return nil, s.callError("counts", ctx, err)
		}
		if len(vals) != len(chunk) {
			return nil, fmt.Errorf("counts: redis %s: %w: %d values for %d keys", s.addr, errScriptReply, len(vals), len(chunk))
		}
		for i, v := range vals {
			str, _ := v.(string)
			n, err := strconv.ParseInt(str, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("counts: redis %s: counter %q: %w", s.addr, chunk[i], err)
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// Add implements decide.Store.
func (s *Redis) Add(ctx context.Context, deltas []decide.Delta) error {
	if s.closed.Load() {
		return fmt.Errorf("add: %w", ErrClosed)
	}
	if err := validateDeltas(deltas); err != nil {
		return fmt.Errorf("add: %w", err)
	}
	for len(deltas) > 0 {
		chunk := deltas[:min(len(deltas), readChunk)]
		deltas = deltas[len(chunk):]
		_, err := s.run(ctx, s.add, func(windows []string) ([]string, []any) {
			args := make([]any, 1, 1+2*len(chunk))
			args[0] = s.cfg.nowMillis()
			for _, d := range chunk {
				args = append(args, d.Key, d.N)
			}
			return s.windowKeys(windows), args
		})
		if err != nil {
			return s.callError("add", ctx, err)
		}
	}
	return nil
}
