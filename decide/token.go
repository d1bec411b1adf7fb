package decide

import (
	"encoding/base64"
	"errors"
	"strings"
)

// A token identifies one proposition of one offer to one recipient:
// campaign, recipient, activity, placement and offer. Templates put it in
// tracking links; `mailpreview feedback` reads it back from impression and
// click events to learn click-through rates (§4.5).
//
// It is the five fields joined by a unit separator and base64url-encoded,
// so feedback import needs no lookup table. It is not signed: anyone who
// sees a token can read its fields and could forge one, which at worst
// skews learned ranking; do not treat it as a secret.

const tokenPrefix = "t1."

// TokenFields are the parts of a tracking token.
type TokenFields struct {
	Campaign, Recipient, Activity, Placement, Offer string
}

// Token returns the tracking token of one proposition.
func Token(campaign, recipient, activity, placement, offer string) string {
	raw := campaign + "\x1f" + recipient + "\x1f" + activity + "\x1f" + placement + "\x1f" + offer
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ErrBadToken is returned by ParseToken for text that is not a token.
var ErrBadToken = errors.New("not an offermail tracking token")

// ParseToken reads the fields back from a token.
func ParseToken(token string) (TokenFields, error) {
	body, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return TokenFields{}, ErrBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return TokenFields{}, ErrBadToken
	}
	parts := strings.Split(string(raw), "\x1f")
	if len(parts) != 5 {
		return TokenFields{}, ErrBadToken
	}
	return TokenFields{parts[0], parts[1], parts[2], parts[3], parts[4]}, nil
}
