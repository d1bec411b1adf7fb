package decide

import "time"

// Library is a loaded, validated offer library. It is immutable after Load
// and safe for concurrent use by any number of goroutines.
type Library struct {
	placements  map[string]*Placement
	rules       map[string]*Rule
	formulas    map[string]*Formula
	models      map[string]*Model
	offers      map[string]*Offer
	fallbacks   map[string]*Offer
	collections map[string]*Collection
	activities  map[string]*Activity

	// Sorted ids, for listings and deterministic iteration.
	placementIDs, offerIDs, fallbackIDs, activityIDs []string

	// conditions holds every distinct compiled rule or inline `when`,
	// numbered so a decision can memoize results in a slice.
	conditions []*condition
	// files are the files the library was read from, in load order.
	files []string
	// plans are the precomputed decisions of every activity placement.
	plans map[scopeKey]*plan
	// recipSlots counts the recipient slots of every split formula, which
	// a decision computes at most once each.
	recipSlots int
	// paths are the fields rules read by name (rule.go).
	paths pathTable
}

// Channel of a placement.
type Channel string

// Channels.
const (
	ChannelEmail  Channel = "email"
	ChannelWeb    Channel = "web"
	ChannelMobile Channel = "mobile"
	ChannelSMS    Channel = "sms"
	ChannelPush   Channel = "push"
)

// ContentType is the kind of representation a placement takes.
type ContentType string

// Content types.
const (
	ContentHTML  ContentType = "html"
	ContentText  ContentType = "text"
	ContentImage ContentType = "image"
	ContentJSON  ContentType = "json"
)

// Pos is a position in a library file; Col counts characters.
type Pos struct {
	File      string
	Line, Col int
}

// Placement is a slot's contract.
type Placement struct {
	ID      string
	Name    string
	Channel Channel
	Content ContentType
	Items   int
	Pos     Pos
}

// Rule is a named eligibility condition.
type Rule struct {
	ID   string
	When string
	Pos  Pos
	cond *condition
}

// Formula is a named ranking formula.
type Formula struct {
	ID    string
	Score string
	Pos   Pos
	prog  *scorer
}

// OfferStatus is an offer's lifecycle state.
type OfferStatus string

// Offer states. Only approved offers are decided.
const (
	OfferDraft    OfferStatus = "draft"
	OfferApproved OfferStatus = "approved"
	OfferArchived OfferStatus = "archived"
)

// Offer is a personalized offer, or a fallback offer (Fallback true: no
// eligibility, dates, priority or caps).
type Offer struct {
	ID         string
	Name       string
	Status     OfferStatus
	Start, End time.Time // zero when open-ended
	Priority   int
	Rule       string // eligibility rule id, or ""
	When       string // inline eligibility, or ""
	Tags       []string
	Attributes map[string]any
	Caps       []Cap
	// Content maps a placement id to its representation.
	Content  map[string]*Content
	Fallback bool
	Pos      Pos

	cond  *condition // nil when always eligible
	tags  map[string]bool
	slots []capSlot // distinct counters of Caps, built at load
}

// Content is an offer's representation for one placement. Strings may hold
// Handlebars; they are rendered per recipient by package render.
type Content struct {
	Type  ContentType
	HTML  string
	Text  string
	Image string
	Alt   string
	Link  string
	JSON  any
	// Pos of each field's value.
	Pos map[string]Pos

	// at maps a position inside a string field to the file.
	at map[string]func(line, col int) Pos
}

// Position returns where line and column (1-based) of a content field's
// text stand in the library file, so errors found later (by the template
// engine) can name the file, line and column.
func (c *Content) Position(field string, line, col int) Pos {
	if f := c.at[field]; f != nil {
		return f(line, col)
	}
	return c.Pos[field]
}

// CapScope says whose decisions a cap counts.
type CapScope string

// Cap scopes.
const (
	ScopeProfile CapScope = "profile"
	ScopeTotal   CapScope = "total"
)

// Every is a cap window.
type Every string

// Cap windows; EveryLifetime never resets.
const (
	EveryLifetime Every = ""
	EveryDay      Every = "day"
	EveryWeek     Every = "week"
	EveryMonth    Every = "month"
)

// Cap limits how often an offer is proposed.
type Cap struct {
	Scope CapScope
	Limit int64
	Every Every
	// PerPlacement: one counter per placement instead of one for all.
	PerPlacement bool
	Pos          Pos
}

// Collection is a set of offers: a static list, or by tags.
type Collection struct {
	ID      string
	Offers  []string
	AnyTags []string
	AllTags []string
	Pos     Pos
	// members is resolved at load, sorted by id.
	members []*Offer
}

// ActivityStatus is an activity's lifecycle state.
type ActivityStatus string

// Activity states. Only live activities decide.
const (
	ActivityDraft    ActivityStatus = "draft"
	ActivityLive     ActivityStatus = "live"
	ActivityComplete ActivityStatus = "complete"
	ActivityArchived ActivityStatus = "archived"
)

// Activity is a decision: which offers may fill which placements, ranked how,
// with which fallback.
type Activity struct {
	ID              string
	Name            string
	Status          ActivityStatus
	Start, End      time.Time
	Fallback        string
	AllowDuplicates bool
	// Placements in the order they were written.
	Placements []*ActivityPlacement
	Pos        Pos

	byPlacement map[string]*ActivityPlacement
}

// ActivityPlacement configures one placement of an activity.
type ActivityPlacement struct {
	Placement       string
	Items           int // 0: the placement's default
	AllowDuplicates *bool
	Criteria        []*Criterion
	Pos             Pos
}

// RankKind is how a criterion orders offers.
type RankKind string

// Ranking kinds.
const (
	RankPriority RankKind = "priority"
	RankFormula  RankKind = "formula"
	RankModel    RankKind = "model"
)

// Criterion selects offers from a collection, optionally filtered by an extra
// rule, and says how to rank them.
type Criterion struct {
	Collection string
	Rule       string
	When       string
	Rank       RankKind
	RankID     string // formula or model id
	Group      int
	Pos        Pos

	collection *Collection
	cond       *condition
	formula    *Formula
}

// Placement returns the placement with id, or nil.
func (l *Library) Placement(id string) *Placement { return l.placements[id] }

// Offer returns the offer or fallback with id, or nil.
func (l *Library) Offer(id string) *Offer {
	if o := l.offers[id]; o != nil {
		return o
	}
	return l.fallbacks[id]
}

// Fallback returns the fallback with id, or nil.
func (l *Library) Fallback(id string) *Offer { return l.fallbacks[id] }

// Activity returns the activity with id, or nil.
func (l *Library) Activity(id string) *Activity { return l.activities[id] }

// Rule returns the rule with id, or nil.
func (l *Library) Rule(id string) *Rule { return l.rules[id] }

// Formula returns the formula with id, or nil.
func (l *Library) Formula(id string) *Formula { return l.formulas[id] }

// Collection returns the collection with id, or nil.
func (l *Library) Collection(id string) *Collection { return l.collections[id] }

// PlacementIDs returns every placement id, sorted.
func (l *Library) PlacementIDs() []string { return l.placementIDs }

// OfferIDs returns every offer id (not fallbacks), sorted.
func (l *Library) OfferIDs() []string { return l.offerIDs }

// FallbackIDs returns every fallback id, sorted.
func (l *Library) FallbackIDs() []string { return l.fallbackIDs }

// ActivityIDs returns every activity id, sorted.
func (l *Library) ActivityIDs() []string { return l.activityIDs }

// Files returns the files the library was read from, in load order.
func (l *Library) Files() []string { return l.files }

// ActivityPlacement returns the configuration of placement in the activity,
// or nil when the activity does not use it.
func (a *Activity) ActivityPlacement(placement string) *ActivityPlacement {
	return a.byPlacement[placement]
}

// Members returns the offers of the collection, sorted by id.
func (c *Collection) Members() []*Offer { return c.members }

// HasTag reports whether the offer carries tag.
func (o *Offer) HasTag(tag string) bool { return o.tags[tag] }
