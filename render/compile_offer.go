package render

import (
	"errors"
	"fmt"

	"github.com/aymerick/raymond/ast"

	"github.com/offermail/offermail/diag"
)

// maxItems is the most offers a placement may show (the library's limit).
const maxItems = 30

// offerNode is a decision placeholder: inline ({{offer …}}) or a block
// ({{#offer …}}…{{else}}…{{/offer}}).
type offerNode struct {
	scope   int // index in the template's Scopes()
	typ     ContentType
	inline  bool
	program program
	inverse program
	params  []string // block parameters: as |item i|
	pos     pos
}

// offer compiles a placeholder and registers its scope. Everything about a
// placeholder is checked here, against the catalog, so a template that
// loads never fails for a reason the loader could have seen.
func (c *compiler) offer(e *ast.Expression, bl *ast.BlockStatement, at int) node {
	c.b.offers++
	switch c.mode {
	case modeField:
		c.errorf(at, "an offer placeholder cannot appear in the %s: it is not HTML", c.field)
		return nil
	case modeSnippet:
		c.errorf(at, "offer content cannot hold offer placeholders")
		return nil
	}
	inline := bl == nil
	form := `{{offer "activity" placement="placement"}}`
	if !inline {
		form = `{{#offer "activity" placement="placement" items=3}}…{{/offer}}`
	}
	if len(e.Params) == 0 {
		c.errorf(e.Path.Location().Pos, "offer needs an activity: write %s", form)
		return nil
	}
	if len(e.Params) > 1 {
		c.errorf(e.Params[1].Location().Pos, "offer takes one activity and named arguments: write %s", form)
		return nil
	}
	act, ok := e.Params[0].(*ast.StringLiteral)
	if !ok {
		c.errorf(e.Params[0].Location().Pos, "the activity must be a literal string, as in %s: decisions are planned when the template loads", form)
		return nil
	}
	var placement *ast.StringLiteral
	items, itemsAt := 0, 0
	bad := false
	if e.Hash != nil {
		for _, pair := range e.Hash.Pairs {
			switch pair.Key {
			case "placement":
				s, ok := pair.Val.(*ast.StringLiteral)
				if !ok {
					c.errorf(pair.Val.Location().Pos, "placement must be a literal string, as in placement=\"hero\"")
					bad = true
					continue
				}
				placement = s
			case "items":
				if inline {
					c.errorf(pair.Pos, "items= is for the block form, which shows several offers: write {{#offer %q placement=… items=N}}{{content}}{{/offer}}", act.Value)
					bad = true
					continue
				}
				n, ok := pair.Val.(*ast.NumberLiteral)
				if !ok || !n.IsInt {
					c.errorf(pair.Val.Location().Pos, "items must be a literal whole number, as in items=3")
					bad = true
					continue
				}
				if n.Value < 1 || n.Value > maxItems {
					c.errorf(pair.Val.Location().Pos, "items=%s is out of range: a placement shows 1 to %d offers", n.Original, maxItems)
					bad = true
					continue
				}
				items, itemsAt = int(n.Value), pair.Pos
			default:
				c.errorf(pair.Pos, "offer has no argument %s=: it takes placement=%s", pair.Key, map[bool]string{true: "", false: " and items="}[inline])
				bad = true
			}
		}
	}
	if placement == nil {
		if !bad {
			c.errorf(e.Path.Location().Pos, "offer needs a placement: write %s", form)
		}
		return nil
	}
	if bad {
		return nil
	}
	if inline {
		items = 1
	}
	actAt, plAt := literalPos(c, act), literalPos(c, placement)
	if c.b.cat == nil {
		c.errorf(at, "no offer library to check this placeholder against")
		return nil
	}
	typ, err := c.b.cat.PlacementType(act.Value, placement.Value)
	if err != nil {
		where, code := at, diag.Invalid
		switch {
		case errors.Is(err, ErrUnknownActivity):
			where, code = actAt, diag.Undefined
		case errors.Is(err, ErrUnknownPlacement), errors.Is(err, ErrPlacementNotInActivity):
			where, code = plAt, diag.Undefined
		}
		e := c.src.pos(where).errorc(code, "%v", err)
		e.Err = err // errors.Is finds ErrUnknownActivity and the others
		c.b.errs.Add(e)
		return nil
	}
	if inline && typ == ContentJSON {
		c.errorf(plAt, "placement %q holds json, which cannot be written inline: use {{#offer %q placement=%q}}{{json.field}}{{/offer}}",
			placement.Value, act.Value, placement.Value)
		return nil
	}
	if typ != ContentHTML && typ != ContentText && typ != ContentImage && typ != ContentJSON {
		c.errorf(plAt, "placement %q has unknown content type %q", placement.Value, typ)
		return nil
	}
	if itemsAt == 0 {
		itemsAt = at
	}
	scope, ok := c.scope(Scope{Activity: act.Value, Placement: placement.Value, Items: items}, itemsAt)
	if !ok {
		return nil
	}
	n := &offerNode{scope: scope, typ: typ, inline: inline, pos: c.at(at)}
	if bl != nil {
		n.program = c.within(bl.Program, ctxItem)
		n.inverse = c.within(bl.Inverse, c.ctx[len(c.ctx)-1])
		n.params = blockParams(bl)
	}
	return n
}

// literalPos is the offset of a string literal's opening quote (raymond
// records the first character inside the quotes).
func literalPos(c *compiler, s *ast.StringLiteral) int {
	if s.Pos > 0 && s.Pos <= len(c.src.text) && (c.src.text[s.Pos-1] == '"' || c.src.text[s.Pos-1] == '\'') {
		return s.Pos - 1
	}
	return s.Pos
}

// scope returns the index of sc among the template's scopes, adding it in
// document order. Two placeholders of one activity and placement share a
// decision, so they must agree on how many offers it holds.
func (c *compiler) scope(sc Scope, at int) (int, bool) {
	b := c.b
	key := [2]string{sc.Activity, sc.Placement}
	if i, ok := b.scopeIdx[key]; ok {
		if b.items(b.scopes[i]) != b.items(sc) {
			first := b.scopeAt[i]
			where := fmt.Sprintf("%d:%d", first.line, first.col)
			if first.file != c.src.file {
				where = first.file + ":" + where
			}
			c.errorf(at, "%s/%s is declared here with %s and at %s with %s: both show one decision, so give them the same items=",
				sc.Activity, sc.Placement, itemsDesc(sc.Items), where, itemsDesc(b.scopes[i].Items))
			return 0, false
		}
		if b.scopes[i].Items == 0 {
			b.scopes[i].Items = sc.Items
		}
		return i, true
	}
	b.scopeIdx[key] = len(b.scopes)
	b.scopes = append(b.scopes, sc)
	b.scopeAt = append(b.scopeAt, c.at(at))
	return len(b.scopes) - 1, true
}

// items is how many offers sc shows: its items=, or else the library's
// default when the catalog can tell (ItemsCatalog), so an inline
// placeholder and a block without items= agree on a placement of one.
func (b *build) items(sc Scope) int {
	if sc.Items > 0 {
		return sc.Items
	}
	if ic, ok := b.cat.(ItemsCatalog); ok {
		return ic.DefaultItems(sc.Activity, sc.Placement)
	}
	return 0
}

func itemsDesc(n int) string {
	switch n {
	case 0:
		return "the library's default items"
	case 1:
		return "items=1 (inline placeholders show one offer)"
	}
	return fmt.Sprintf("items=%d", n)
}
