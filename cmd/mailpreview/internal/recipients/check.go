package recipients

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
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

// dupSet remembers the ids seen so far in one file, to reject the second
// and later records with the same id.
//
// It keeps a 64-bit FNV-1a fingerprint of each id and the line where it
// first appeared, not the id itself: a few dozen bytes per recipient
// whatever the length of the ids. Two different ids share a fingerprint
// with probability about n²/2⁶⁵ over a file of n distinct ids (3·10⁻⁶ for
// ten million, 3·10⁻⁴ for a hundred million). Such a collision rejects the
// later record as a duplicate of a line that holds a different id: visible
// in the rejects, never a silent loss. FNV-1a needs no seed, so a rerun
// makes the same decisions.
type dupSet struct {
	first map[uint64]int
}

func newDupSet() *dupSet { return &dupSet{first: make(map[uint64]int)} }

// add records id at line and returns the line of an earlier record with
// the same fingerprint, or 0 when id is new. A nil set checks nothing.
func (d *dupSet) add(id string, line int) int {
	if d == nil {
		return 0
	}
	h := fingerprint(id)
	if first, ok := d.first[h]; ok {
		return first
	}
	d.first[h] = line
	return 0
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
