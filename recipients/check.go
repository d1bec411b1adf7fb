package recipients

import (
	"fmt"
	"math"
	"math/bits"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/offermail/offermail/diag"
)

// Bounds on the two required fields. 254 bytes is the longest address that
// fits an SMTP path (RFC 5321, 4.5.3.1); 256 bytes is generous for an id
// and keeps file names and reject lines short.
const (
	maxIDBytes    = 256
	maxEmailBytes = 254
)

// checkID returns why id is not a usable recipient id, or "".
func checkID(id string) string {
	switch {
	case id == "":
		return "empty id; every record needs a non-empty id"
	case len(id) > maxIDBytes:
		return fmt.Sprintf("id is longer than %d bytes", maxIDBytes)
	case !utf8.ValidString(id):
		return "id is not valid UTF-8; save the file as UTF-8"
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		// A newline or NUL in an id ends up in file names, headers and
		// logs; it is never what the sender meant.
		return fmt.Sprintf("id %s contains a control character", quote(id))
	}
	return ""
}

// fieldCode classifies what checkID or checkEmail finds wrong with the
// value s of a required field of at most limit bytes (have: the record has
// the field).
func fieldCode(s string, have bool, limit int) diag.Code {
	switch {
	case !have || s == "":
		return diag.Missing
	case len(s) > limit:
		return diag.Limit
	case !utf8.ValidString(s):
		return diag.Syntax
	}
	return diag.Invalid
}

// checkEmail returns why s is not a bare address (local@domain) that
// net/mail accepts, or "". A display name, angle brackets, comments or
// surrounding spaces are refused rather than cleaned up, so that what is
// sent is exactly what the file says; the reason shows the fix.
func checkEmail(s string) string {
	switch {
	case s == "":
		return "empty email; every record needs an email address"
	case len(s) > maxEmailBytes:
		return fmt.Sprintf("email is longer than %d bytes", maxEmailBytes)
	case !utf8.ValidString(s):
		return "email is not valid UTF-8; save the file as UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Sprintf("email %s contains a control character (CR, LF, tab...)", quote(s))
	case plainAddress(s):
		return ""
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return fmt.Sprintf("invalid email %s: %s", quote(s), strings.TrimPrefix(err.Error(), "mail: "))
	}
	if addr.Address == s {
		return ""
	}
	what := "is not a bare address"
	if addr.Name != "" {
		what = "has a display name or comment"
	}
	// Suggest the address part only when it passes on its own; a quoted
	// local part ("john doe"@example.com) has no bare spelling.
	if a, err := mail.ParseAddress(addr.Address); err == nil && a.Address == addr.Address && a.Name == "" {
		return fmt.Sprintf("email %s %s; write just %s", quote(s), what, quote(addr.Address))
	}
	return fmt.Sprintf("email %s %s", quote(s), what)
}

// plainAddress reports whether s is local@domain with both parts dot-atoms
// of ASCII: what nearly every address in a file is, and what net/mail
// parses to exactly itself (its addr-spec, with nothing around it), so
// that checkEmail need not parse it with net/mail, which allocates
// (TestPlainAddress and FuzzPlainAddress check the two agree).
func plainAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at >= 0 && dotAtom(s[:at]) && dotAtom(s[at+1:])
}

// dotAtom reports whether s is atext characters of ASCII in dot-separated
// non-empty runs.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || atext[c>>6]&(1<<(c&63)) == 0 || (c == '.' && s[i-1] == '.') {
			return false
		}
	}
	return true
}

// atext is the set of ASCII atext characters of RFC 5322 (visible
// characters but the specials), and the dot, as a bitmap.
var atext = func() (set [2]uint64) {
	for c := byte('!'); c <= '~'; c++ {
		if !strings.ContainsRune(`()<>[]:;@\,"`, rune(c)) {
			set[c>>6] |= 1 << (c & 63)
		}
	}
	return set
}()

// dupSet remembers the ids seen so far in one file, to reject the second
// and later records with the same id.
//
// It keeps a 64-bit FNV-1a fingerprint of each id and the line where it
// first appeared, not the id itself, in an open-addressing table of 12-byte
// slots: about 20 bytes per distinct id on average (roughly 200 MB for ten
// million), whatever the length of the ids, and about two thirds of what a
// Go map of the same takes. Two different ids share a fingerprint with probability
// about n²/2⁶⁵ over a file of n distinct ids (3·10⁻⁶ for ten million,
// 3·10⁻⁴ for a hundred million). Such a collision rejects the later record
// as a duplicate of a line that holds a different id: visible in the
// rejects, never a silent loss. FNV-1a needs no seed, so a rerun makes the
// same decisions. Lines past 2³²-1 are remembered as 2³²-1.
type dupSet struct {
	fps   []uint64 // fingerprints; 0 marks an empty slot
	lines []uint32 // line of the first record with fps[i]
	n     int      // slots in use
	shift uint     // 64 - log2(len(fps))
}

func newDupSet() *dupSet { return new(dupSet) }

// add records id at line and returns the line of an earlier record with
// the same fingerprint, or 0 when id is new. A nil set checks nothing.
func (d *dupSet) add(id string, line int) int {
	if d == nil {
		return 0
	}
	h := fingerprint(id)
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	if d.n >= len(d.fps)/8*7 {
		d.grow()
	}
	mask := len(d.fps) - 1
	for i := d.slot(h); ; i = (i + 1) & mask {
		switch d.fps[i] {
		case 0:
			d.fps[i], d.lines[i] = h, uint32(min(line, math.MaxUint32))
			d.n++
			return 0
		case h:
			return int(d.lines[i])
		}
	}
}

// slot picks the home slot from the high bits of a Fibonacci product: the
// low bits of FNV-1a depend only on the low bits of the input bytes.
func (d *dupSet) slot(h uint64) int {
	return int((h * 0x9E3779B97F4A7C15) >> d.shift)
}

// grow doubles the table (starting at 1024 slots), keeping the load at
// most 7/8 so that probe runs stay short.
func (d *dupSet) grow() {
	old, oldLines := d.fps, d.lines
	size := max(2*len(old), 1024)
	d.fps, d.lines = make([]uint64, size), make([]uint32, size)
	d.shift = uint(64 - bits.TrailingZeros(uint(size)))
	mask := size - 1
	for j, h := range old {
		if h == 0 {
			continue
		}
		i := d.slot(h)
		for d.fps[i] != 0 {
			i = (i + 1) & mask
		}
		d.fps[i], d.lines[i] = h, oldLines[j]
	}
}

// fingerprint is 64-bit FNV-1a, written out so that it does not allocate.
func fingerprint(s string) uint64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime64
	}
	return h
}

// duplicateReason is the reject reason for an id first seen on line first.
func duplicateReason(id string, first int) string {
	return fmt.Sprintf("duplicate id %s (first seen on line %d); each recipient may appear once per file", quote(id), first)
}
