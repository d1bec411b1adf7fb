// Package mailaddr puts an email address in the form mail servers take:
// an internationalized domain (bücher.example) as the ASCII of IDNA
// (xn--bcher-kva.example, through golang.org/x/net/idna), which every
// server and resolver understands, and says when an address still needs
// SMTPUTF8 (RFC 6531): when its local part is not ASCII, which has no
// ASCII form.
package mailaddr

import (
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// ASCIIDomain returns addr (local@domain, no display name) with its domain
// in ASCII. An address whose domain is ASCII already, or without an @, is
// returned as it is; a domain IDNA refuses is an error naming it.
func ASCIIDomain(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || isASCII(addr[at+1:]) {
		return addr, nil
	}
	domain, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return "", fmt.Errorf("address %q: the domain is not a valid internationalized domain name: %w", addr, err)
	}
	return addr[:at+1] + domain, nil
}

// NeedsUTF8 reports whether addr, once its domain is ASCII, still holds
// other characters: its local part, which only a server offering
// SMTPUTF8 accepts.
func NeedsUTF8(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return !isASCII(addr)
	}
	return !isASCII(addr[:at])
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
