package message

import (
	"math/bits"
	"slices"
)

// Quoted-printable (RFC 2045 §6.7) as mime/quotedprintable.Writer writes
// it in text mode, but appended to a byte slice and a run of bytes at a
// time: a message body is mostly bytes that pass through unchanged, which
// are found eight at a time and copied up to the end of the line, where
// the Writer handles every byte through a buffer of its own.
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

// Masks of the eight-byte scan: a byte is flagged when it is below 0x20
// (controls, tab, CR and LF), is "=" or DEL, or has its high bit set.
const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// flagged returns a word with the high bit set in each byte of x (eight
// bytes, the first in the low bits) that is not qpPlain but for tabs: a
// byte below 0x20, "=", DEL, or one with its high bit set. The lowest
// flagged byte is exact; borrows can flag bytes above it spuriously.
func flagged(x uint64) uint64 {
	// below 0x20, with the high bit clear: the borrow of x - 0x20 reaches bit 7
	m := (x - 0x20*lows) &^ x
	// equal to "=" or DEL: a zero byte after the XOR
	eq := x ^ ('=' * lows)
	m |= (eq - lows) &^ eq
	del := x ^ (0x7f * lows)
	m |= (del - lows) &^ del
	return (m | x) & highs
}

// plainPrefix returns how many bytes at the start of s are qpPlain,
// reading eight bytes at a time.
func plainPrefix(s string) int {
	i := 0
	for i+8 <= len(s) {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		m := flagged(x)
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) / 8
		if s[i] != '\t' {
			return i
		}
		i++ // a tab is plain but flagged: take it and read on
	}
	for i < len(s) && qpPlain[s[i]] {
		i++
	}
	return i
}

// appendQP appends s encoded as quoted-printable to dst. Line breaks in s
// (CRLF, LF or CR) become CRLF; no line is longer than 76 octets; a space
// or tab at the end of a line is encoded so that transports that strip
// trailing white space cannot change the text.
//
// It works a line at a time: the plain bytes that fit on the current line
// are found eight at a time and copied at once; the byte that ends the
// run is handled in the loop.
func appendQP(dst []byte, s string) []byte {
	dst = slices.Grow(dst, len(s)+len(s)/16+16)
	col := 0 // octets on the current output line
	for i := 0; i < len(s); {
		c := s[i]
		if qpPlain[c] {
			if col == qpMaxLine-1 {
				dst = append(dst, '=', '\r', '\n')
				col = 0
			}
			n := plainPrefix(s[i:min(len(s), i+qpMaxLine-1-col)])
			dst = append(dst, s[i:i+n]...)
			col += n
			i += n
			continue
		}
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
		if c == '\r' && i < len(s) && s[i] == '\n' {
			i++
		}
	}
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
