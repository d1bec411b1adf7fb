package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/offermail/offermail/internal/loopback"
)

// keySet holds the API keys as SHA-256 digests: every key is compared in
// full and in constant time, so neither a key's length nor its prefix
// leaks through timing.
type keySet struct {
	digests [][32]byte
}

// SetKeys replaces the API keys; requests in flight keep the keys they
// were checked against. No keys lets every request in (cmd allows that on
// loopback addresses only).
func (s *Service) SetKeys(keys []string) {
	ks := &keySet{}
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			ks.digests = append(ks.digests, sha256.Sum256([]byte(k)))
		}
	}
	s.keys.Store(ks)
}

// authorize checks a /v1/ request's bearer key. Without keys the service
// answers only requests addressed to a loopback name, so that a web page
// cannot reach a keyless service through DNS rebinding.
func (s *Service) authorize(r *http.Request) error {
	ks := s.keys.Load()
	if len(ks.digests) == 0 {
		if !loopback.Host(r.Host) {
			return &Error{Status: http.StatusForbidden, Code: CodeForbiddenHost,
				Message: "a service without API keys answers only requests for localhost; start it with --keys FILE to serve " + r.Host}
		}
		return nil
	}
	auth := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "missing API key: send Authorization: Bearer KEY"}
	}
	d := sha256.Sum256([]byte(strings.TrimSpace(key)))
	found := 0
	for i := range ks.digests {
		found |= subtle.ConstantTimeCompare(d[:], ks.digests[i][:])
	}
	if found != 1 {
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "unknown API key"}
	}
	return nil
}
