package render

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aymerick/raymond/lexer"
)

// TestGrammarAgreesWithParser checks that checkGrammar accepts exactly the
// texts raymond's parser accepts, on random soups of Handlebars fragments.
// (Each text the parser rejects leaks its lexer goroutine: fine in a test.)
func TestGrammarAgreesWithParser(t *testing.T) {
	frags := []string{"{{", "}}", "{{#", "{{/", "{{^", "{{else}}", "{{^}}", "{{else ", "{{>", "{{{", "}}}", "{{&", "{{~", "~}}",
		"{{{{", "}}}}", "{{{{/", "if", "each", "x", "a.b", "../", "./", "this", "@index", "@root.a", "[a b]", " ", "\n", "text",
		`"s"`, "'t'", "12", "1.5", "-3", "true", "false", "(", ")", "=", "k=", "as |", "|", "y|", "{{!c}}", "{{!-- d --}}", "/", ".."}
	r := rand.New(rand.NewPCG(7, 8))
	accepted, rejected := 0, 0
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(frags[r.IntN(len(frags))])
		}
		text := b.String()
		toks := lexer.Collect(text)
		if toks[len(toks)-1].Kind == lexer.TokenError {
			continue
		}
		gerr := checkGrammar(plainSource("t.hbs", text, 1, 1), toks)
		_, perr := safeParse(text)
		if (gerr == nil) != (perr == nil) {
			t.Errorf("checkGrammar(%q) = %v, but raymond's parser says %v", text, gerr, perr)
		}
		if perr == nil {
			accepted++
		} else {
			rejected++
		}
	}
	if accepted < 500 || rejected < 500 {
		t.Errorf("the soups were too one-sided to tell: %d accepted, %d rejected", accepted, rejected)
	}
}
