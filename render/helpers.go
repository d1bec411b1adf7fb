package render

import (
	"strings"

	"github.com/offermail/offermail/diag"
)

// blockUse says whether a helper is written {{name}}, {{#name}}…{{/name}},
// or either way.
type blockUse uint8

const (
	inlineOnly blockUse = iota
	blockOnly
	inlineOrBlock
)

// helper is a template function. Its arity and named arguments are
// checked when a template loads, so fn may trust len(c.args).
type helper struct {
	name             string
	use              blockUse
	minArgs, maxArgs int // maxArgs < 0: any number
	hashKeys         []string
	// hashValues lists the values a named argument may take; a literal
	// outside the list is a load error.
	hashValues map[string][]string
	// contextArg: the first argument becomes the block's context (each,
	// with), so a missing one is reported like {{field}}.
	contextArg bool
	// keepsContext: the block runs in the caller's context (if, unless).
	keepsContext bool
	fn           func(c *call) (any, error)
	// app, for helpers that make text, appends the text to b: written out,
	// the result then needs no string of its own. fn is then appFn(app).
	app func(c *call, b []byte) ([]byte, error)
	// pure, for a helper of two arguments without named ones that neither
	// fails nor reads anything but its arguments: the result, computed
	// without a call record (fn is then pureFn(pure)).
	pure func(a, b any) any
	// text, for a helper of one argument without named ones that cannot
	// fail and reads nothing but its argument: appends its text to b (app
	// is then textApp(text)).
	text func(b []byte, v any) []byte
	// str, for a text helper that reads its argument as a string: appends
	// the text of s (text is then strText(str)), so that a string read
	// without boxing (recipient.id, eval.go's pairString) is written
	// without it.
	str func(b []byte, s string) []byte
	// examples document the helper and are run by TestHelperExamples,
	// with examplePixel as the Input's Pixel.
	examples     []example
	examplePixel string
}

// example is a template, its data as JSON, and the output it must give.
type example struct{ tmpl, data, want string }

// builtinHelpers returns a fresh registry of every helper a template may
// call. Each template gets its own, so nothing is registered globally and
// a template's helpers cannot change under it.
func builtinHelpers() map[string]*helper {
	list := [][]*helper{blockHelpers(), logicHelpers(), formatHelpers(), trackingHelpers()}
	m := map[string]*helper{}
	for _, l := range list {
		for _, h := range l {
			if h.pure != nil {
				if h.minArgs != 2 || h.maxArgs != 2 || len(h.hashKeys) > 0 {
					panic("render: helper " + h.name + " has pure but does not take exactly two arguments")
				}
				h.fn = pureFn(h.pure)
			}
			if h.str != nil {
				h.text = strText(h.str)
			}
			if h.text != nil {
				if h.minArgs != 1 || h.maxArgs != 1 || len(h.hashKeys) > 0 {
					panic("render: helper " + h.name + " has text but does not take exactly one argument")
				}
				h.app = textApp(h.text)
			}
			if h.app != nil {
				h.fn = appFn(h.app)
			}
			m[h.name] = h
		}
	}
	return m
}

// call is one invocation of a helper. Calls are pooled per state by
// nesting depth, so invoking a helper allocates nothing.
type call struct {
	s    *state
	f    int
	h    *helper
	args []any
	hash []hashVal
	expr *callExpr
	blk  *blockNode // nil when called inline
}

// invoke evaluates a call's arguments and runs the helper. A panic in a
// helper is recovered once, in Execute, which reads the innermost active
// call from s.calls to say where it happened.
func (s *state) invoke(ce *callExpr, f int, blk *blockNode) (any, error) {
	base, hbase := len(s.args), len(s.hash)
	c, err := s.prepare(ce, f, blk, base, hbase)
	var v any
	if err == nil {
		v, err = ce.h.fn(c)
		s.ncalls--
	}
	s.args, s.hash = s.args[:base], s.hash[:hbase]
	return v, err
}

// writeCall runs a helper that writes its result (helper.app) and appends
// the result to the output, escaped or not, without making a string of
// it.
func (s *state) writeCall(ce *callExpr, f int, escape bool) error {
	base, hbase := len(s.args), len(s.hash)
	c, err := s.prepare(ce, f, nil, base, hbase)
	if err == nil {
		mark := len(s.buf)
		s.buf, err = ce.h.app(c, s.buf)
		s.ncalls--
		switch {
		case err != nil:
			s.buf = s.buf[:mark]
		case escape:
			s.escapeFrom(mark)
		}
	}
	s.args, s.hash = s.args[:base], s.hash[:hbase]
	return err
}

// strText is a helper's text for its str: the argument read as a string.
func strText(str func([]byte, string) []byte) func([]byte, any) []byte {
	return func(b []byte, v any) []byte { return str(b, toString(v)) }
}

// writeText is writeCall for a call of a text helper.
func (s *state) writeText(ce *callExpr, f int, escape bool) error {
	if ce.h.str != nil {
		if p, ok := ce.params[0].(*pathExpr); ok {
			if base := s.pathBase(p, f); base >= 0 {
				if v, ok := p.pairString(s.frames[base].ctx); ok {
					s.writeStr(ce.h, v, escape)
					return nil
				}
			}
		}
	}
	v, err := ce.params[0].eval(s, f)
	if err != nil {
		return err
	}
	mark := len(s.buf)
	s.buf = ce.h.text(s.buf, v)
	if escape {
		s.escapeFrom(mark)
	}
	return nil
}

// writeStr writes the text of helper h for the string v, escaped or not.
func (s *state) writeStr(h *helper, v string, escape bool) {
	mark := len(s.buf)
	s.buf = h.str(s.buf, v)
	if escape {
		s.escapeFrom(mark)
	}
}

// escapeFrom escapes, in place, what a helper wrote to s.buf from mark on:
// the output is then what appendEscaped makes of the helper's text. The
// text is written to the output directly and copied only when it holds a
// byte to escape, which the text of a URL or a number seldom does.
func (s *state) escapeFrom(mark int) {
	i := escapeAt(s.buf[mark:])
	if i < 0 {
		return
	}
	at, t := mark+i, len(s.tmp)
	s.tmp = append(s.tmp, s.buf[at:]...)
	s.buf = appendEscaped(s.buf[:at], arenaString(s.tmp[t:]))
	s.tmp = s.tmp[:t]
}

// prepare evaluates a call's arguments onto the argument stacks and
// pushes the call.
func (s *state) prepare(ce *callExpr, f int, blk *blockNode, base, hbase int) (*call, error) {
	for _, p := range ce.params {
		v, err := p.eval(s, f)
		if err != nil {
			s.used.args = max(s.used.args, len(s.args))
			return nil, err
		}
		s.args = append(s.args, v)
	}
	s.used.args = max(s.used.args, len(s.args))
	for _, kv := range ce.hash {
		v, err := kv.val.eval(s, f)
		if err != nil {
			s.used.hash = max(s.used.hash, len(s.hash))
			return nil, err
		}
		s.hash = append(s.hash, hashVal{key: kv.key, val: v})
	}
	s.used.hash = max(s.used.hash, len(s.hash))
	if s.ncalls == len(s.calls) {
		s.calls = append(s.calls, new(call))
	}
	c := s.calls[s.ncalls]
	s.ncalls++
	s.used.calls = max(s.used.calls, s.ncalls)
	*c = call{s: s, f: f, h: ce.h, expr: ce, blk: blk,
		args: s.args[base:len(s.args):len(s.args)],
		hash: s.hash[hbase:len(s.hash):len(s.hash)]}
	return c, nil
}

// pureFn is fn for a helper that has pure.
func pureFn(pure func(a, b any) any) func(c *call) (any, error) {
	return func(c *call) (any, error) { return pure(c.args[0], c.args[1]), nil }
}

// textApp is app for a helper that has text.
func textApp(text func(b []byte, v any) []byte) func(c *call, b []byte) ([]byte, error) {
	return func(c *call, b []byte) ([]byte, error) { return text(b, c.args[0]), nil }
}

// appFn is fn for a helper that has app: its text as a string.
func appFn(app func(c *call, b []byte) ([]byte, error)) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		b, err := app(c, nil)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
}

// named returns the value of the named argument key.
func (c *call) named(key string) (any, bool) {
	for _, kv := range c.hash {
		if kv.key == key {
			return kv.val, true
		}
	}
	return nil, false
}

func (c *call) errorf(format string, args ...any) error {
	return c.expr.pos.errorc(diag.Execute, format, args...)
}

// fn runs the block in the caller's context.
func (c *call) fn() error {
	if c.blk == nil {
		return nil
	}
	return c.s.execThis(c.blk.program, c.f)
}

// inverse runs the {{else}} part in the caller's context.
func (c *call) inverse() error {
	if c.blk == nil {
		return nil
	}
	return c.s.execThis(c.blk.inverse, c.f)
}

// emptyObject is the context handlebars.js gives a block run with "this"
// when the context is null or missing (its nullContext): {{this}} in it
// prints [object Object]. Nothing writes to it.
var emptyObject = map[string]any{}

// execThis runs prog in frame f's context, as handlebars.js runs
// options.fn(this): a null context becomes an empty object.
func (s *state) execThis(prog program, f int) error {
	if len(prog) == 0 || s.frames[f].ctx != nil {
		return prog.exec(s, f)
	}
	fr := s.frames[f]
	fr.ctx, fr.parent, fr.same, fr.hasData, fr.bpNames, fr.includer = emptyObject, f, true, false, nil, -1
	fi := s.push(fr)
	err := prog.exec(s, fi)
	s.pop(fi)
	return err
}

// with runs the block with ctx as its context; ctx came from the call's
// first argument.
func (c *call) with(ctx any) error {
	if c.blk == nil {
		return nil
	}
	s := c.s
	fr := s.child(c.f, ctx, c.expr.params[0])
	fr.bpNames, fr.bpVals[0] = c.blk.params, ctx
	fi := s.push(fr)
	err := c.blk.program.exec(s, fi)
	s.pop(fi)
	return err
}

func blockHelpers() []*helper {
	return []*helper{
		{name: "if", use: blockOnly, minArgs: 1, maxArgs: 1, hashKeys: []string{"includeZero"}, keepsContext: true,
			fn: func(c *call) (any, error) {
				if ifTrue(c) {
					return nil, c.fn()
				}
				return nil, c.inverse()
			},
			examples: []example{
				{`{{#if profile.vip}}VIP{{else}}member{{/if}}`, `{"profile":{"vip":true}}`, `VIP`},
				{`{{#if profile.points}}has points{{else}}no points{{/if}}`, `{"profile":{"points":0}}`, `no points`},
				{`{{#if profile.points includeZero=true}}has points{{/if}}`, `{"profile":{"points":0}}`, `has points`},
				{`{{#if profile.interests}}likes {{profile.interests}}{{/if}}`, `{"profile":{"interests":[]}}`, ``},
				{`{{#if profile.a}}A{{else if profile.b}}B{{else}}none{{/if}}`, `{"profile":{"b":"yes"}}`, `B`},
			}},
		{name: "unless", use: blockOnly, minArgs: 1, maxArgs: 1, hashKeys: []string{"includeZero"}, keepsContext: true,
			fn: func(c *call) (any, error) {
				if ifTrue(c) {
					return nil, c.inverse()
				}
				return nil, c.fn()
			},
			examples: []example{
				{`{{#unless profile.optedIn}}Opt in today{{/unless}}`, `{"profile":{}}`, `Opt in today`},
			}},
		{name: "each", use: blockOnly, minArgs: 1, maxArgs: 1, contextArg: true, fn: helperEach,
			examples: []example{
				{`{{#each profile.interests}}{{@index}}:{{this}}{{#unless @last}}, {{/unless}}{{/each}}`, `{"profile":{"interests":["running","trail"]}}`, `0:running, 1:trail`},
				{`{{#each profile.loyalty}}{{@key}}={{this}};{{/each}}`, `{"profile":{"loyalty":{"tier":"gold","points":12840}}}`, `points=12840;tier=gold;`},
				{`{{#each profile.orders as |o|}}{{o.id}} {{else}}no orders{{/each}}`, `{"profile":{"orders":[]}}`, `no orders`},
				{`{{#each profile.items}}{{name}} for {{../profile.firstName}}; {{/each}}`, `{"profile":{"firstName":"Maya","items":[{"name":"Socks"},{"name":"Cap"}]}}`, `Socks for Maya; Cap for Maya; `},
			}},
		{name: "with", use: blockOnly, minArgs: 1, maxArgs: 1, contextArg: true,
			fn: func(c *call) (any, error) {
				if isEmpty(c.args[0]) {
					return nil, c.inverse()
				}
				return nil, c.with(c.args[0])
			},
			examples: []example{
				{`{{#with profile.lastOrder}}Order {{id}}{{else}}No order yet{{/with}}`, `{"profile":{"lastOrder":{"id":"NW-1"}}}`, `Order NW-1`},
				{`{{#with profile.lastOrder as |o|}}{{o.id}}{{else}}No order yet{{/with}}`, `{"profile":{}}`, `No order yet`},
			}},
		{name: "lookup", minArgs: 2, maxArgs: 2,
			fn: func(c *call) (any, error) {
				if !truthy(c.args[0]) {
					return c.args[0], nil // handlebars.js: if (!obj) return obj
				}
				if c.args[1] == nil {
					return nil, nil // obj[undefined]: no field is named so
				}
				v, _ := lookupField(c.args[0], toString(c.args[1]))
				return v, nil
			},
			examples: []example{
				{`{{lookup profile.names profile.lang}}`, `{"profile":{"lang":"fr","names":{"en":"Hello","fr":"Bonjour"}}}`, `Bonjour`},
				{`{{lookup profile.interests 1}}`, `{"profile":{"interests":["running","trail"]}}`, `trail`},
			}},
		{name: "log", minArgs: 0, maxArgs: -1, hashKeys: []string{"level"},
			fn: func(c *call) (any, error) {
				if c.s.in == nil || c.s.in.Log == nil {
					return nil, nil
				}
				level := "info"
				if l, ok := c.named("level"); ok {
					level = toString(l)
				}
				parts := make([]string, len(c.args))
				for i, a := range c.args {
					parts[i] = toString(a)
				}
				c.s.in.Log(level, strings.Join(parts, " "))
				return nil, nil
			},
			examples: []example{
				{`{{log "tier" profile.loyalty.tier level="debug"}}done`, `{"profile":{"loyalty":{"tier":"gold"}}}`, `done`},
			}},
	}
}

// ifTrue is the condition of if and unless, as Handlebars decides it:
// falsy values and empty lists are false; 0 is true with includeZero=true.
func ifTrue(c *call) bool {
	v := c.args[0]
	if z, ok := c.named("includeZero"); ok && truthy(z) {
		if f, isNum := toNumber(v); isNum && f == 0 {
			return true
		}
	}
	return truthy(v) && !isEmpty(v)
}

// helperEach iterates a list, or an object's keys in sorted order, with
// @index, @first, @last and @key; the {{else}} part runs when there is
// nothing to iterate.
func helperEach(c *call) (any, error) {
	v, s := c.args[0], c.s
	if size, ok := isArray(v); ok {
		if size == 0 {
			return nil, c.inverse()
		}
		var prog program
		var params []string
		if c.blk != nil {
			prog, params = c.blk.program, c.blk.params
		}
		return nil, s.iterate(c.f, v, size, c.expr.params[0], params, prog)
	}
	keys, ok := objectKeys(v, s.order)
	if !ok || len(keys) == 0 {
		return nil, c.inverse()
	}
	proto := s.child(c.f, nil, c.expr.params[0])
	proto.hasData, proto.bpNames = true, c.blk.params
	for i, k := range keys {
		fr := proto
		fr.ctx, _ = lookupField(v, k)
		fr.index, fr.elem, fr.elemKey = i, -1, k
		fr.first, fr.last = i == 0, i == len(keys)-1
		fr.bpVals = [2]any{fr.ctx, k}
		fi := s.push(fr)
		err := c.blk.program.exec(s, fi)
		s.pop(fi)
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}
