package track

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

// A token is sealed with AES-256-GCM, the standard library's AEAD, under
// a key derived from the secret. Its nonce is not random but derived from
// the plaintext (the first 96 bits of HMAC-SHA256 under a key of its
// own), and travels in front of the ciphertext:
//
//	token bytes = nonce (12) ‖ GCM ciphertext ‖ tag (16)
//
// Why a derived nonce: a token must be the same bytes every time the same
// proposition is rendered — a rerun of a campaign rewrites its messages
// byte for byte, and a snapshot compares them — so its nonce cannot be
// random. Equal plaintexts give equal nonces and equal tokens (the
// determinism wanted: a reader learns only whether two tokens name the
// same thing); different plaintexts share a nonce only by a 96-bit HMAC
// collision, which takes about 2^48 distinct tokens under one secret —
// rotate the secret long before. Opening needs no check of the nonce:
// GCM's tag authenticates nonce and ciphertext, so any altered byte,
// truncation or other secret fails to open.

// sealKeys are the keys derived from one secret.
type sealKeys struct {
	aead  cipher.AEAD // AES-256-GCM
	nonce []byte      // HMAC-SHA256 key of the derived nonce
	link  []byte      // HMAC-SHA256 key of click-link signatures
}

// MinSecretLen is the shortest secret accepted, in bytes.
const MinSecretLen = 16

// maxSecretLen bounds a secret read from a file or the environment.
const maxSecretLen = 4096

// deriveKeys derives the keys with HKDF-SHA256, one "info" per use, so
// that a key of one use is never the key of another.
func deriveKeys(secret []byte) (*sealKeys, error) {
	switch {
	case len(secret) < MinSecretLen:
		return nil, fmt.Errorf("the secret holds %d bytes, want at least %d (make one with: head -c 32 /dev/urandom | base64)", len(secret), MinSecretLen)
	case len(secret) > maxSecretLen:
		return nil, fmt.Errorf("the secret holds %d bytes, at most %d", len(secret), maxSecretLen)
	}
	key := func(info string) []byte {
		k, err := hkdf.Key(sha256.New, secret, nil, "offermail tracking v1 "+info, 32)
		if err != nil {
			panic(err) // only for lengths over 255*32 bytes
		}
		return k
	}
	block, err := aes.NewCipher(key("token encryption"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealKeys{aead: aead, nonce: key("token nonce"), link: key("click link")}, nil
}

// seal returns nonce ‖ AES-GCM(plaintext).
func (k *sealKeys) seal(plaintext []byte) []byte {
	h := hmac.New(sha256.New, k.nonce)
	h.Write(plaintext)
	n := k.aead.NonceSize()
	out := make([]byte, n, n+len(plaintext)+k.aead.Overhead())
	copy(out, h.Sum(nil)[:n])
	return k.aead.Seal(out, out[:n], plaintext, nil)
}

// errSeal is every failure to open: which check failed is not told.
var errSeal = errors.New("not sealed by this secret, or altered")

// open checks and decrypts what seal made.
func (k *sealKeys) open(sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, errSeal
	}
	plaintext, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, errSeal
	}
	return plaintext, nil
}

// sign returns the 128-bit HMAC of parts, each length-prefixed so that no
// two lists of parts sign alike.
func (k *sealKeys) sign(parts ...string) []byte {
	h := hmac.New(sha256.New, k.link)
	var n [binaryLen]byte
	for _, p := range parts {
		h.Write(appendLen(n[:0], len(p)))
		h.Write([]byte(p))
	}
	return h.Sum(nil)[:16]
}
