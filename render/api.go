package render

import (
	"errors"
	"slices"
	"time"

	"github.com/offermail/offermail/render/message"
)

// ContentType is the kind of content a placement holds.
type ContentType string

// The content types a placement may declare.
const (
	ContentHTML  ContentType = "html"
	ContentText  ContentType = "text"
	ContentImage ContentType = "image"
	ContentJSON  ContentType = "json"
)

// Sentinels a Catalog wraps so the loader can tell what went wrong.
var (
	ErrUnknownActivity        = errors.New("unknown activity")
	ErrUnknownPlacement       = errors.New("unknown placement")
	ErrPlacementNotInActivity = errors.New("placement not configured in activity")
)

// Catalog is what the loader needs to know of the offer library.
type Catalog interface {
	// PlacementType returns the content type of placement as configured in
	// activity, or an error wrapping one of the sentinels.
	PlacementType(activity, placement string) (ContentType, error)
}

// ItemsCatalog is a Catalog that also knows how many offers a placement of
// an activity shows when a placeholder does not say (items=). With it, an
// inline placeholder (one offer) and a block without items= of the same
// scope agree when that default is one.
type ItemsCatalog interface {
	Catalog
	DefaultItems(activity, placement string) int
}

// Scope is one decision a template needs per recipient: an activity, a
// placement, and how many offers to choose.
type Scope struct {
	Activity  string
	Placement string
	Items     int // 0: the library's default for that placement
}

// Item is one chosen offer, or the activity's fallback.
type Item struct {
	ID, Name         string
	Content          *Snippet // the html or text representation; nil when none
	Link, Image, Alt *Snippet // nil when none
	JSON             any
	Attributes       map[string]any
	Tags             []string
	IsFallback       bool
	Rank             int    // 1-based
	Token            string // tracking token
}

// Proposition is the decision for one scope. Items is empty when there was
// neither an offer nor a fallback.
type Proposition struct {
	Scope Scope
	Type  ContentType
	Items []Item
}

// Recipient is the person a message is rendered for.
type Recipient struct {
	ID, Email string
	Profile   map[string]any
	Context   map[string]any
	// Order gives the key order of the objects in Profile and Context as
	// the recipient's JSON wrote them, which {{#each}} over an object
	// follows, as handlebars.js does. Nil: keys in sorted order.
	Order KeyOrder
}

// KeyOrder tells the order of an object's keys as its source had them.
// Go maps keep no order, so a reader that decodes JSON into maps records
// it alongside (recipients.Record.Order does).
type KeyOrder interface {
	// Keys returns obj's keys in source order, or nil when it does not
	// know obj.
	Keys(obj map[string]any) []string
}

// Campaign identifies the delivery a message belongs to.
type Campaign struct {
	ID, Name string
}

// Input is everything Execute needs for one recipient: data, as
// text/template's Execute takes data. The decision is made before
// rendering, by whoever holds the engine and the store (package campaign
// adapts the engine's decisions), and handed in as Propositions.
type Input struct {
	Recipient Recipient
	Campaign  Campaign
	Now       time.Time // the decision time, which templates see as @now (set it: zero is year 1)
	// Propositions are the decisions for the template's scopes: one per
	// Scopes() entry, in that order. A template without placeholders
	// needs none.
	Propositions []Proposition
	Strict       bool // a missing field that is written out is an error
	// Links, when set, rewrites every offer link a placeholder writes
	// (link, and an inline image's link): a click redirect (SPEC §10).
	// Nil writes links as the offers give them.
	Links Links
	// Pixel is the URL of the open pixel that {{trackingPixel}} writes an
	// <img> of; "" writes nothing.
	Pixel string
	// MaxBytes bounds each rendered part of the message (body, subject…):
	// past it rendering stops with an error for this recipient. 0 means
	// DefaultMaxBytes.
	MaxBytes int
	// Log receives the output of the log helper; nil discards it.
	Log func(level, msg string)
}

// Message is one rendered email.
type Message struct {
	Subject, Preheader string
	// HTML is final: layout applied, preheader inserted, CSS inlined.
	HTML string
	// Text is the plain-text alternative, as the final HTML reads (the
	// preheader and hidden elements left out).
	Text        string
	From        string
	ReplyTo     string
	To          string
	Unsubscribe string
	// Headers are the extra headers of the front matter, in document order.
	Headers      [][2]string
	Propositions []Proposition // as decided, one per scope
	// Missing lists the profile fields the template wrote out that the
	// profile lacks, once each, in the order met.
	Missing []Missing
	// IDKey is what WriteMIME derives the Message-ID from when it is given
	// none; "" is the campaign and recipient ids, one message per
	// recipient of a campaign, as batch runs write them. The decisioning
	// service, which sends one recipient many messages, sets its decision
	// id.
	IDKey string

	campaignID, recipientID string // default Message-ID key
}

// Output is one rendered message in buffers that ExecuteTo fills and
// the next call reuses, so that rendering recipient after recipient does
// not allocate a message each time. The byte slices are valid until the
// next ExecuteTo with the same Output.
type Output struct {
	Subject, Preheader, Unsubscribe []byte
	// HTML is final: layout applied, preheader inserted, CSS inlined.
	HTML []byte
	// Text is the plain-text alternative.
	Text              []byte
	From, ReplyTo, To string
	// Headers are the extra headers of the front matter, in document
	// order; the template's own slice, not to be modified.
	Headers [][2]string
	// Missing lists the profile fields the template wrote out that the
	// profile lacks, once each, in the order met.
	Missing []Missing

	campaignID, recipientID string
	pieces                  []message.PieceAt // where HTML holds pieces encoded ahead, for AppendMIME
	messageID               []byte            // AppendMIME's, reused
}

// Message copies the output into a Message of its own (without the
// propositions, which the caller has).
func (o *Output) Message() *Message {
	m := &Message{
		Subject: string(o.Subject), Preheader: string(o.Preheader), HTML: string(o.HTML), Text: string(o.Text),
		From: o.From, ReplyTo: o.ReplyTo, To: o.To, Unsubscribe: string(o.Unsubscribe),
		Headers:    slices.Clone(o.Headers),
		campaignID: o.campaignID, recipientID: o.recipientID,
	}
	if len(o.Missing) > 0 {
		m.Missing = slices.Clone(o.Missing)
	}
	return m
}

// Missing is a profile field a template referenced that the profile lacks.
type Missing struct {
	Field string `json:"field"` // e.g. "profile.loyalty.tier"
	File  string `json:"file"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
}
