package capstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// The Redis keys of a namespace; see the package doc.

func countersKey(ns string) string { return "{" + ns + "}:c" }

func registryKey(ns string) string { return "{" + ns + "}:w" }

func windowKey(ns, name string) string { return "{" + ns + "}:w:" + name }

func ledgerKey(ns, campaign string) string { return "{" + ns + "}:l:" + campaign }

// windowSpan is how far apart windows are at least. Counters are grouped
// by Expire rounded up to it: a calendar window (which decide ends at a
// UTC midnight) gets a window of its own, while Expires that are not
// midnights cannot make so many windows that every call has to look
// through them all. Each counter keeps its own deadline, so grouping only
// decides when memory is freed, never what a counter reads.
const windowSpan = 24 * 60 * 60 * 1000

// windowName is the registry name of the window of an Expire given in
// milliseconds: the end of the span it falls in, in Unix milliseconds.
func windowName(expireMs int64) string {
	end := expireMs / windowSpan * windowSpan
	if end < expireMs {
		end += windowSpan
	}
	return strconv.FormatInt(end, 10)
}

// mergeWindows returns the windows of known followed by those of mine that
// known lacks.
func mergeWindows(known, mine []string) []string {
	// Clipped, so that appending copies rather than writes into the
	// cache's array.
	all := slices.Clip(known)
	for _, w := range mine {
		if !slices.Contains(all, w) {
			all = append(all, w)
		}
	}
	return all
}

func indexOf(ws []string, w string) int { return slices.Index(ws, w) }

// windowCache is the window registry as the last script call saw it. A
// call passes every window in it, because a counter may be in any of them
// and Redis Cluster wants every key a script touches named in KEYS; a
// call that missed a window registered meanwhile is refused by the script
// before it writes anything, and retried.
type windowCache struct {
	mu    sync.Mutex
	names []string // replaced, never modified
}

func (c *windowCache) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.names
}

func (c *windowCache) set(names []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = names
}

// maxWindowRetries bounds the retries of one call. Each retry passes every
// window registered before it, so only windows registered while it is on
// the wire — one per calendar window and namespace — can refuse it again.
const maxWindowRetries = 8

// errScriptReply marks a script reply of the wrong shape: a bug or a
// foreign script, not an unreachable server.
var errScriptReply = errors.New("unexpected script reply")

// run calls sc with the keys and arguments that build makes for the
// windows the store knows of, until the script accepts them, and returns
// the reply's items after the status and the registry. Errors of the call
// itself are returned as they are, for the caller to classify.
func (s *Redis) run(ctx context.Context, sc *script, build func(windows []string) ([]string, []any)) ([]any, error) {
	for attempt := 0; ; attempt++ {
		keys, args := build(s.windows.get())
		reply, err := sc.run(ctx, s.client, keys, args)
		if err != nil {
			return nil, err
		}
		items, ok := reply.([]any)
		if !ok || len(items) < 2 {
			return nil, fmt.Errorf("%w: %T", errScriptReply, reply)
		}
		names, err := replyStrings(items[1])
		if err != nil {
			return nil, err
		}
		s.windows.set(names)
		if status, _ := items[0].(int64); status == 1 {
			return items[2:], nil
		}
		if attempt == maxWindowRetries {
			return nil, fmt.Errorf("windows were registered during each of %d calls", attempt+1)
		}
	}
}

func replyStrings(v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: registry %T", errScriptReply, v)
	}
	out := make([]string, len(items))
	for i, it := range items {
		if out[i], ok = it.(string); !ok {
			return nil, fmt.Errorf("%w: window name %T", errScriptReply, it)
		}
	}
	return out, nil
}
