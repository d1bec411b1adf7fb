package message

import (
	"math/bits"
	"slices"
)

// Quoted-printable (RFC 2045 §6.7) as mime/quotedprintable.Writer writes
// it in text mode, but appended to a byte slice and a run of bytes at a
// time: a message body is mostly bytes that pass through unchanged. Each
// run of them is found once, sixteen bytes a step, and copied in as few
// pieces as the 76-octet lines allow; the Writer instead handles every
// byte through a buffer of its own. Markup cuts runs short (every "=" of
// an attribute is encoded), so the cost that counts is the one per run.
//
// The output is the Writer's byte for byte, with one exception: the
// Writer loses the line break of an LF that follows a CR when bytes it
// encodes (such as "=" or any non-ASCII byte) come between them ("\r=\n"
// decodes as "\r\n=" there); here a CR, an LF and a CRLF are each one
// line break, whatever surrounds them. FuzzQuotedPrintable checks both.

// qpMaxLine is the length of an encoded line without its CRLF: 76 octets,
// the last of which is the "=" of a soft line break.
const qpMaxLine = 76

const hexUpper = "0123456789ABCDEF"

// qpPlain marks the bytes written as they are: printable ASCII but "=",
// and space and tab (which are encoded only at the end of a line).
var qpPlain = func() (t [256]bool) {
	for b := '!'; b <= '~'; b++ {
		t[b] = b != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

// Masks of the word-wise scan: a byte is flagged when it is below 0x20
// (controls, tab, CR and LF), is "=" or DEL, or has its high bit set.
const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// flagged returns a word with the high bit set in each byte of x (eight
// bytes, the first in the low bits) that is not qpPlain but for tabs: a
// byte below 0x20, "=", DEL, or one with its high bit set. The lowest
// flagged byte is exact; a borrow or carry out of a flagged byte can
// flag the bytes above it spuriously, never one below.
func flagged(x uint64) uint64 {
	// below 0x20 (the borrow of x - 0x20 reaches bit 7 of a byte whose
	// own bit 7 is clear), DEL or above (x + 1 sets bit 7), "=" (a zero
	// byte after the XOR)
	eq := x ^ ('=' * lows)
	return ((x-0x20*lows)&^x | x | (x + lows) | (eq-lows)&^eq) & highs
}

// word reads the eight bytes of s at i as a little-endian word.
func word(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainEnd returns the end of the run of qpPlain bytes that starts at i,
// reading sixteen bytes a step while they last.
func plainEnd(s string, i int) int {
	for i+16 <= len(s) {
		m, n := flagged(word(s, i)), flagged(word(s, i+8))
		if m|n == 0 {
			i += 16
			continue
		}
		if m == 0 {
			m, i = n, i+8
		}
		i += bits.TrailingZeros64(m) / 8
		if s[i] != '\t' {
			return i
		}
		i++ // a tab is plain but flagged: take it and read on
	}
	for i+8 <= len(s) {
		m := flagged(word(s, i))
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) / 8
		if s[i] != '\t' {
			return i
		}
		i++
	}
	for i < len(s) && qpPlain[s[i]] {
		i++
	}
	return i
}

// plainPrefix returns how many bytes at the start of s are qpPlain.
func plainPrefix(s string) int { return plainEnd(s, 0) }

// appendQP appends s encoded as quoted-printable to dst. Line breaks in s
// (CRLF, LF or CR) become CRLF; no line is longer than 76 octets; a space
// or tab at the end of a line is encoded so that transports that strip
// trailing white space cannot change the text.
func appendQP(dst []byte, s string) []byte {
	dst = slices.Grow(dst, len(s)+len(s)/16+16)
	dst, col, _ := appendQPSpan(dst, s, 0, false)
	return qpEnd(dst, col)
}

// appendQPSpan appends s encoded as it is encoded where it follows, in a
// body, what left the line at col octets (cr: ended by a CR, whose LF s
// may start with), and returns the same for what follows s. A body is
// encoded as its stretches are, one after the other, with qpEnd after
// the last.
//
// It alternates between a run of plain bytes, scanned once and copied in
// pieces cut at the soft line breaks, and the bytes that end it, encoded
// or written as line breaks one by one.
func appendQPSpan(dst []byte, s string, col int, cr bool) ([]byte, int, bool) {
	i := 0
	if cr && len(s) > 0 && s[0] == '\n' {
		i++
	}
	cr = cr && len(s) == 0
	for i < len(s) {
		if end := plainEnd(s, i); end > i {
			for {
				if col == qpMaxLine-1 {
					dst = append(dst, '=', '\r', '\n')
					col = 0
				}
				k := min(end, i+qpMaxLine-1-col)
				dst = append(dst, s[i:k]...)
				col += k - i
				i = k
				if i == end {
					break
				}
			}
			if i == len(s) {
				break
			}
		}
		// s[i] is not plain: encode it, or end the line.
		c := s[i]
		i++
		if c != '\r' && c != '\n' {
			dst, col = appendQPByte(dst, col, c)
			continue
		}
		if col > 0 {
			if b := dst[len(dst)-1]; b == ' ' || b == '\t' {
				dst, _ = appendQPByte(dst[:len(dst)-1], col-1, b)
			}
		}
		dst = append(dst, '\r', '\n')
		col = 0
		if c == '\r' {
			if i < len(s) && s[i] == '\n' {
				i++
			} else {
				cr = i == len(s) // its LF may start what follows
			}
		}
	}
	return dst, col, cr
}

// qpEnd ends a body whose last line has col octets: a space or tab at its
// end is encoded.
func qpEnd(dst []byte, col int) []byte {
	if col > 0 {
		if b := dst[len(dst)-1]; b == ' ' || b == '\t' {
			dst, _ = appendQPByte(dst[:len(dst)-1], col-1, b)
		}
	}
	return dst
}

// appendQPByte appends c as =XX to a line of col octets, breaking the line
// first when the three octets would not fit before a soft line break's
// "=".
func appendQPByte(dst []byte, col int, c byte) ([]byte, int) {
	if col > qpMaxLine-4 {
		dst = append(dst, '=', '\r', '\n')
		col = 0
	}
	return append(dst, '=', hexUpper[c>>4], hexUpper[c&0x0f]), col + 3
}
