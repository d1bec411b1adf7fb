package render

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The fast paths of the executor and its helpers against the general
// code they stand for.

// TestURIComponentEveryByte checks appendURIComponent, which copies runs,
// against encodeURIComponent's rule applied a byte at a time, for every
// byte value between others.
func TestURIComponentEveryByte(t *testing.T) {
	ref := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			ch := s[i]
			if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte("-_.!~*'()", ch) >= 0 {
				b.WriteByte(ch)
				continue
			}
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(ch)>>4, 16)) + strings.ToUpper(strconv.FormatUint(uint64(ch)&15, 16)))
		}
		return b.String()
	}
	for c := range 256 {
		for _, s := range []string{string(rune(0)) + "x", "ab" + string([]byte{byte(c)}) + "cd", string([]byte{byte(c), byte(c)}), "é" + string([]byte{byte(c)})} {
			if got, want := string(appendURIComponent([]byte("x"), s)), "x"+ref(s); got != want {
				t.Fatalf("appendURIComponent(%q) = %q, want %q", s, got, want)
			}
		}
	}
}

// TestContainsURLUnsafe checks the table against bytes.ContainsAny.
func TestContainsURLUnsafe(t *testing.T) {
	for c := range 256 {
		b := []byte("https://x.example/u?a=" + string([]byte{byte(c)}) + "&b=1")
		if got, want := containsURLUnsafe(b), bytes.ContainsAny(b, urlUnsafe); got != want {
			t.Errorf("containsURLUnsafe(%q) = %v, want %v", b, got, want)
		}
	}
}

// TestRoundDecimalWhole checks roundDecimal's whole-number path against
// the digits strconv.AppendFloat gives, from which the general path rounds.
func TestRoundDecimalWhole(t *testing.T) {
	general := func(f float64, decimals int) string {
		full := strconv.AppendFloat(nil, f, 'f', -1, 64)
		// The general path with f made not whole is the same code; take
		// its digits by hand: a whole number has no point.
		n := len(full)
		for range max(decimals, 0) {
			full = append(full, '0')
		}
		return string(full) + "/" + strconv.Itoa(n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	vals := []float64{0, 1, 9, 10, 999, 1000, 12840, 1e15, 1<<53 - 1, 1 << 52, 123456789012345}
	for range 2000 {
		vals = append(vals, math.Trunc(r.Float64()*math.Pow(10, float64(r.IntN(16)))))
	}
	for _, f := range vals {
		for _, d := range []int{-1, 0, 2} {
			got, n := roundDecimal(nil, f, d)
			if g, w := string(got)+"/"+strconv.Itoa(n), general(f, d); g != w {
				t.Fatalf("roundDecimal(%v, %d) = %s, want %s", f, d, g, w)
			}
		}
	}
	// Past 2⁵³ and with a fraction the general path runs.
	for _, c := range []struct {
		f    float64
		d    int
		want string
	}{{1 << 53, -1, "9007199254740992"}, {1e21, 0, "1000000000000000000000"}, {12840.5, -1, "128405"}, {0.125, 2, "013"}} {
		if got, _ := roundDecimal(nil, c.f, c.d); string(got) != c.want {
			t.Errorf("roundDecimal(%v, %d) = %s, want %s", c.f, c.d, got, c.want)
		}
	}
}
