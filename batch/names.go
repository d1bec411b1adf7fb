package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// maxName bounds a message file name before its extension; file systems
// allow 255 bytes, and temp names and extensions need a few more.
const (
	maxName  = 200
	keepName = 150
)

// FileName returns the file name of a recipient's message: the id itself
// when every byte is safe in a file name on every common system, else the
// id with the other bytes written %XX and a leading dot %2E. Escaping is
// reversible (RecipientID), so distinct ids never share a name — except
// ids so long that their name is shortened and ends in "~" and a hash.
func FileName(id, ext string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if safeByte(c) && !(i == 0 && c == '.') {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	name := b.String()
	if len(name) > maxName {
		cut := keepName
		// Never split a %XX escape.
		if i := strings.LastIndexByte(name[:cut], '%'); i >= cut-2 {
			cut = i
		}
		sum := sha256.Sum256([]byte(id))
		name = name[:cut] + "~" + hex.EncodeToString(sum[:8])
	}
	return name + "." + ext
}

func safeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '@' || c == '+' || c == '-'
}

// errShortened is returned by RecipientID for names shortened with a hash.
var errShortened = errors.New("the name was shortened: find the id in decisions.ndjson")

// RecipientID returns the recipient id a message file name (without its
// extension) stands for.
func RecipientID(name string) (string, error) {
	if strings.Contains(name, "~") {
		return "", fmt.Errorf("file name %q: %w", name, errShortened)
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(name) {
			return "", fmt.Errorf("file name %q: truncated escape at byte %d", name, i+1)
		}
		v, err := strconv.ParseUint(name[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("file name %q: bad escape %q at byte %d", name, name[i:i+3], i+1)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// Shard is a part of a sharded run: K of N, counted from 1. The zero Shard
// takes every recipient.
type Shard struct{ K, N int }

// ParseShard reads "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("--shard %q must be K/N with 1 <= K <= N, such as 2/4", s)
	}
	return Shard{K: ki, N: ni}, nil
}

func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// HasID reports whether the recipient with id belongs to the shard. The
// hash is fixed (FNV-1a 64), so every process agrees on it.
func (s Shard) HasID(id string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()%uint64(s.N) == uint64(s.K-1)
}

// HasLine reports whether a bad record without an id, at line, belongs to
// the shard; line numbers are the same in every process.
func (s Shard) HasLine(line int) bool {
	if s.N <= 1 {
		return true
	}
	return uint64(line)%uint64(s.N) == uint64(s.K-1)
}
