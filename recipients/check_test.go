package recipients

import (
	"hash/fnv"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"testing"
)

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when valid, else a substring of the reason
	}{
		{"a@example.com", ""},
		{"first.last+tag@mail.example.co.uk", ""},
		{"müller@exämple.de", ""}, // SMTPUTF8 addresses are addresses
		{"a@localhost", ""},       // net/mail accepts it; so do we
		{"", "empty email"},
		{"a", `invalid email "a": missing '@' or angle-addr`},
		{"a@", `invalid email "a@"`},
		{"@example.com", `invalid email "@example.com"`},
		{"a@@example.com", `invalid email "a@@example.com"`},
		{"a b@example.com", `invalid email "a b@example.com"`},
		{"Ann <a@example.com>", `has a display name or comment; write just "a@example.com"`},
		{`"Ann" <a@example.com>`, `has a display name or comment; write just "a@example.com"`},
		{"a@example.com (Ann)", `has a display name or comment; write just "a@example.com"`},
		{"<a@example.com>", `is not a bare address; write just "a@example.com"`},
		{" a@example.com ", `is not a bare address; write just "a@example.com"`},
		{`"a b"@example.com`, `email "\"a b\"@example.com" is not a bare address`},
		{"a@example.com\r\nBcc: x@example.com", "contains a control character"},
		{"a@example.com\n", "contains a control character"},
		{"a@example.com\t", "contains a control character"},
		{"a\xff@example.com", "not valid UTF-8"},
		{strings.Repeat("a", 243) + "@example.com", "longer than 254 bytes"},
	}
	for _, tt := range tests {
		got := checkEmail(tt.in)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("checkEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A quoted local part has no bare spelling to suggest.
	if got := checkEmail(`"a b"@example.com`); strings.Contains(got, "write just") {
		t.Errorf("checkEmail(quoted local part) = %q, want no suggestion", got)
	}
}

func TestCheckID(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"u-1001", ""},
		{"1001", ""},
		{"ünïcødé", ""},
		{"a b/c", ""}, // spaces and slashes are the file writer's business
		{strings.Repeat("x", 256), ""},
		{"", "empty id"},
		{strings.Repeat("x", 257), "longer than 256 bytes"},
		{"u\x001", "contains a control character"},
		{"u1\r\n", "contains a control character"},
		{"u\u00851", "contains a control character"}, // C1 NEL
		{"u\xff", "not valid UTF-8"},
	}
	for _, tt := range tests {
		got := checkID(tt.in)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("checkID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFingerprintIsFNV1a(t *testing.T) {
	for _, s := range []string{"", "a", "u-1001", "ünïcødé", strings.Repeat("z", 300)} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := fingerprint(s), h.Sum64(); got != want {
			t.Errorf("fingerprint(%q) = %#x, want %#x", s, got, want)
		}
	}
}

func TestDupSet(t *testing.T) {
	d := newDupSet()
	steps := []struct {
		id   string
		line int
		want int
	}{
		{"u1", 1, 0}, {"u2", 2, 0}, {"u1", 3, 1}, {"u1", 4, 1}, {"U1", 5, 0}, {"u2", 9, 2}, {"", 10, 0}, {"", 11, 10},
	}
	for _, s := range steps {
		if got := d.add(s.id, s.line); got != s.want {
			t.Errorf("add(%q, %d) = %d, want %d", s.id, s.line, got, s.want)
		}
	}
	var off *dupSet
	if got := off.add("u1", 1) + off.add("u1", 2); got != 0 {
		t.Errorf("nil set: add = %d, want 0", got)
	}
}

// No false duplicates among many similar ids (the kind a CRM produces).
func TestDupSetSimilarIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping 200k-id test in short mode")
	}
	d := newDupSet()
	var b []byte
	for i := range 200000 {
		b = append(b[:0], "u-"...)
		b = appendInt(b, i)
		if first := d.add(string(b), i+1); first != 0 {
			t.Fatalf("add(%q) = %d, want 0 (a false duplicate)", b, first)
		}
	}
	// Every id survived the table's growth with its first line.
	for i := range 200000 {
		b = append(b[:0], "u-"...)
		b = appendInt(b, i)
		if first := d.add(string(b), 1e6); first != i+1 {
			t.Fatalf("add(%q) again = %d, want %d", b, first, i+1)
		}
	}
}

func TestDupSetHugeLine(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("int cannot hold a line past 2^32 here")
	}
	line := 1
	line <<= 40
	d := newDupSet()
	d.add("u1", line)
	if got := d.add("u1", 2); got != math.MaxUint32 {
		t.Errorf("add after line 2^40 = %d, want %d", got, math.MaxUint32)
	}
}

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

// netMailAccepts is checkEmail's verdict through net/mail alone: s parses
// to exactly itself.
func netMailAccepts(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// TestPlainAddress: the addresses plainAddress takes without net/mail are
// ones net/mail accepts as they are, and the usual ones are among them.
func TestPlainAddress(t *testing.T) {
	for _, s := range []string{"a@example.com", "maya.chen@example.com", "first.last+tag@mail.example.co.uk",
		"o'brien@x.ie", "x!#$%&'*+-/=?^_`{|}~@y.z", "a@localhost", "1@2"} {
		if !plainAddress(s) || !netMailAccepts(s) {
			t.Errorf("%q: plainAddress %v, net/mail %v; want both true", s, plainAddress(s), netMailAccepts(s))
		}
	}
	for _, s := range []string{"", "@", "a@", "@b", "a@@b", "a@b@c", ".a@b", "a.@b", "a..b@c", "a@b.", "a@.b", "a@b..c",
		"a b@c", "a@[1.2.3.4]", `"a"@b`, "Maya <m@x.y>", "m@x.y (Maya)", "müller@exämple.de", "a(b)@c", "a@b,c", "a\\b@c", "a@b:c"} {
		if plainAddress(s) {
			t.Errorf("%q: plainAddress true; want false (net/mail decides)", s)
		}
	}
}

// FuzzPlainAddress: whatever plainAddress takes, net/mail accepts as it is.
func FuzzPlainAddress(f *testing.F) {
	for _, s := range []string{"a@example.com", "a..b@c", "x!#$%&'*+-/=?^_`{|}~@y.z", "a@b.", " a@b", "a@b "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainAddress(s) && !netMailAccepts(s) {
			t.Fatalf("%q: plainAddress takes it, net/mail does not parse it to itself", s)
		}
	})
}
